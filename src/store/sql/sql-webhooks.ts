// WebhookStore (webhook-store.ts) over the warm store's Kysely instance, for SQLite and
// PostgreSQL. It reads the change log's table (`changes`) and the conversations' settled
// cursors directly: delivery follows what the warm store has durably, never the hot tier.
// Stream positions move by compare-and-set on the position read (one statement), attempts are
// logged in the same transaction as the outcome they cause.
import { sql, type Kysely } from 'kysely';
import type {
  DeadLetter, NextChanges, ReplayOutcome, StreamOutcome, WebhookAttempt, WebhookEndpoint, WebhookEvent, WebhookStore, WebhookStream,
} from '../webhook-store.js';
import { guard } from './errors.js';
import { iso } from './rows.js';
import type { DB, WebhookAttemptsTable, WebhookDeadLettersTable, WebhookEndpointsTable } from './schema.js';

const num = (v: number | string) => Number(v);
const numOrNull = (v: number | string | null) => (v === null ? null : Number(v));

function toEndpoint(r: WebhookEndpointsTable): WebhookEndpoint {
  return {
    id: r.id, url: r.url, events: JSON.parse(r.events) as WebhookEvent[], secret: r.secret,
    previous_secret: r.previous_secret, previous_secret_until: numOrNull(r.previous_secret_until),
    created_at: iso(r.created_at), updated_at: iso(r.updated_at), scanned_until: iso(r.scanned_until),
  };
}

function toAttempt(r: WebhookAttemptsTable): WebhookAttempt {
  return {
    id: r.id, endpoint_id: r.endpoint_id, webhook_id: r.webhook_id, conversation_id: r.conversation_id, cursor: num(r.cursor), type: r.type,
    attempt: num(r.attempt), status: numOrNull(r.status), error: r.error, latency_ms: num(r.latency_ms), attempted_at: iso(r.attempted_at),
    outcome: r.outcome as WebhookAttempt['outcome'], replay: Boolean(r.replay),
  };
}

function toDeadLetter(r: WebhookDeadLettersTable): DeadLetter {
  return {
    id: r.id, endpoint_id: r.endpoint_id, webhook_id: r.webhook_id, conversation_id: r.conversation_id, cursor: num(r.cursor), type: r.type,
    body: r.body, attempts: num(r.attempts), last_status: numOrNull(r.last_status), last_error: r.last_error, failed_at: iso(r.failed_at),
    state: r.state as DeadLetter['state'], replay_attempts: num(r.replay_attempts), replay_failing_since: numOrNull(r.replay_failing_since),
    next_attempt_at: num(r.next_attempt_at),
  };
}

function attemptRow(a: WebhookAttempt) {
  return { ...a, replay: a.replay ? 1 : 0 };
}

export class SqlWebhooks implements WebhookStore {
  constructor(private readonly db: Kysely<DB>) {}

  // --- endpoints ---------------------------------------------------------------------------

  createEndpoint(e: { id: string; url: string; events: WebhookEvent[]; secret: string; created_at: string }): Promise<WebhookEndpoint> {
    return guard(async () => {
      const row = {
        id: e.id, url: e.url, events: JSON.stringify(e.events), secret: e.secret, previous_secret: null, previous_secret_until: null,
        created_at: e.created_at, updated_at: e.created_at, scanned_until: e.created_at,
      };
      await this.db.insertInto('webhook_endpoints').values(row).execute();
      return toEndpoint(row);
    });
  }

  getEndpoint(id: string): Promise<WebhookEndpoint | null> {
    return guard(async () => {
      const r = await this.db.selectFrom('webhook_endpoints').selectAll().where('id', '=', id).executeTakeFirst();
      return r ? toEndpoint(r) : null;
    });
  }

  listEndpoints(): Promise<WebhookEndpoint[]> {
    return guard(async () => {
      const rows = await this.db.selectFrom('webhook_endpoints').selectAll().orderBy('created_at').orderBy('id').execute();
      return rows.map(toEndpoint);
    });
  }

  updateEndpoint(id: string, patch: { url?: string; events?: WebhookEvent[] }, at: string): Promise<WebhookEndpoint | null> {
    return guard(async () => {
      const set: { updated_at: string; url?: string; events?: string } = { updated_at: at };
      if (patch.url !== undefined) set.url = patch.url;
      if (patch.events !== undefined) set.events = JSON.stringify(patch.events);
      await this.db.updateTable('webhook_endpoints').set(set).where('id', '=', id).execute();
      return this.getEndpoint(id);
    });
  }

  rotateSecret(id: string, secret: string, previousUntil: number | null, at: string): Promise<WebhookEndpoint | null> {
    return guard(async () => {
      await this.db.updateTable('webhook_endpoints')
        .set((eb) => ({
          previous_secret: previousUntil === null ? null : eb.ref('secret'),
          previous_secret_until: previousUntil,
          secret,
          updated_at: at,
        }))
        .where('id', '=', id).execute();
      return this.getEndpoint(id);
    });
  }

  deleteEndpoint(id: string): Promise<boolean> {
    return guard(async () => {
      const r = await this.db.deleteFrom('webhook_endpoints').where('id', '=', id).executeTakeFirst();
      return Number(r.numDeletedRows) > 0;
    });
  }

  // --- discovery ---------------------------------------------------------------------------

  changedSince(since: string, limit: number): Promise<{ conversation_id: string; last: number }[]> {
    return guard(async () => {
      const rows = await this.db.selectFrom('changes').select(['conversation_id', (eb) => eb.fn.max('cursor').as('last')]).where('stored_at', '>=', since)
        .groupBy('conversation_id').limit(limit).execute();
      return rows.map((r) => ({ conversation_id: r.conversation_id, last: Number(r.last) }));
    });
  }

  openStreams(endpointId: string, since: string, startedAt: string, limit: number): Promise<number> {
    return guard(async () => {
      // `where true`: SQLite needs a WHERE before ON CONFLICT in an INSERT … SELECT (parsing ambiguity)
      const r = await sql`
        insert into webhook_streams (endpoint_id, conversation_id, position, attempts, failing_since, next_attempt_at)
        select ${endpointId}, y.id, case when y.floor > y.prior then y.floor else y.prior end, 0, null, 0
        from (
          select c.id as id, c.changes_floor as floor,
            coalesce((select p.cursor from changes p where p.conversation_id = c.id and p.stored_at < ${startedAt} order by p.cursor desc limit 1), 0) as prior
          from conversations c
          where c.id in (
            select ch.conversation_id from changes ch
            where ch.stored_at >= ${since}
              and not exists (select 1 from webhook_streams s where s.endpoint_id = ${endpointId} and s.conversation_id = ch.conversation_id)
            group by ch.conversation_id
            limit ${limit}
          )
        ) y
        where true
        on conflict do nothing`.execute(this.db);
      return Number(r.numAffectedRows ?? 0);
    });
  }

  setScannedUntil(endpointId: string, at: string): Promise<void> {
    return guard(async () => {
      await this.db.updateTable('webhook_endpoints').set({ scanned_until: at }).where('id', '=', endpointId).where('scanned_until', '<', at).execute();
    });
  }

  dueStreams(endpointId: string, now: number, limit: number): Promise<string[]> {
    return guard(async () => {
      const rows = await this.db.selectFrom('webhook_streams as s')
        .innerJoin('conversations as c', 'c.id', 's.conversation_id')
        .select('s.conversation_id')
        .where('s.endpoint_id', '=', endpointId)
        .where('s.next_attempt_at', '<=', now)
        .whereRef('c.last_cursor', '>', 's.position')
        .orderBy('s.next_attempt_at').orderBy('s.conversation_id')
        .limit(limit).execute();
      return rows.map((r) => r.conversation_id);
    });
  }

  getStream(endpointId: string, conversationId: string): Promise<WebhookStream | null> {
    return guard(async () => {
      const r = await this.db.selectFrom('webhook_streams').selectAll().where('endpoint_id', '=', endpointId).where('conversation_id', '=', conversationId).executeTakeFirst();
      if (!r) return null;
      return { conversation_id: r.conversation_id, position: num(r.position), attempts: num(r.attempts), failing_since: numOrNull(r.failing_since), next_attempt_at: num(r.next_attempt_at) };
    });
  }

  nextChanges(conversationId: string, after: number, events: readonly string[], limit: number): Promise<NextChanges> {
    return guard(async () => {
      const c = await this.db.selectFrom('conversations').select(['settled_cursor', 'last_cursor', 'changes_floor']).where('id', '=', conversationId).executeTakeFirst();
      const bounds = { settled: num(c?.settled_cursor ?? 0), last: num(c?.last_cursor ?? 0), floor: num(c?.changes_floor ?? 0) };
      if (events.length === 0 || bounds.settled <= after) return { changes: [], ...bounds };
      const rows = await this.db.selectFrom('changes').select(['cursor', 'type', 'json', 'stored_at'])
        .where('conversation_id', '=', conversationId).where('cursor', '>', after).where('cursor', '<=', bounds.settled)
        .where('type', 'in', [...events])
        .orderBy('cursor').limit(limit).execute();
      return { changes: rows.map((r) => ({ cursor: num(r.cursor), type: r.type, json: r.json, stored_at: iso(r.stored_at) })), ...bounds };
    });
  }

  // --- progress ----------------------------------------------------------------------------

  advance(endpointId: string, conversationId: string, from: number, to: number): Promise<boolean> {
    return guard(async () => {
      const r = await this.db.updateTable('webhook_streams').set({ position: to, attempts: 0, next_attempt_at: 0 })
        .where('endpoint_id', '=', endpointId).where('conversation_id', '=', conversationId).where('position', '=', from)
        .executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    });
  }

  recordAttempt(a: WebhookAttempt, from: number, outcome: StreamOutcome): Promise<boolean> {
    return guard(() =>
      this.db.transaction().execute(async (tx) => {
        await tx.insertInto('webhook_attempts').values(attemptRow(a)).execute();
        const stream = tx.updateTable('webhook_streams')
          .where('endpoint_id', '=', a.endpoint_id).where('conversation_id', '=', a.conversation_id).where('position', '=', from);
        let r;
        if (outcome.kind === 'delivered') {
          r = await stream.set({ position: a.cursor, attempts: 0, failing_since: null, next_attempt_at: 0 }).executeTakeFirst();
        } else if (outcome.kind === 'retry') {
          r = await stream.set({ attempts: a.attempt, failing_since: outcome.failingSince, next_attempt_at: outcome.nextAttemptAt }).executeTakeFirst();
        } else {
          r = await stream.set({ position: a.cursor, attempts: 0, failing_since: outcome.failingSince, next_attempt_at: 0 }).executeTakeFirst();
          if (Number(r.numUpdatedRows) === 1) {
            await tx.insertInto('webhook_dead_letters').values({
              id: outcome.deadLetter.id, endpoint_id: a.endpoint_id, webhook_id: a.webhook_id, conversation_id: a.conversation_id, cursor: a.cursor,
              type: a.type, body: outcome.deadLetter.body, attempts: a.attempt, last_status: a.status, last_error: a.error, failed_at: a.attempted_at,
              state: 'dead', replay_attempts: 0, replay_failing_since: null, next_attempt_at: 0,
            }).onConflict((oc) => oc.columns(['endpoint_id', 'conversation_id', 'cursor']).doNothing()).execute();
          }
        }
        return Number(r.numUpdatedRows) === 1;
      }),
    );
  }

  listAttempts(endpointId: string, opts: { limit: number; before?: string; conversationId?: string }): Promise<WebhookAttempt[]> {
    return guard(async () => {
      let q = this.db.selectFrom('webhook_attempts').selectAll().where('endpoint_id', '=', endpointId);
      if (opts.before !== undefined) q = q.where('id', '<', opts.before);
      if (opts.conversationId !== undefined) q = q.where('conversation_id', '=', opts.conversationId);
      const rows = await q.orderBy('id', 'desc').limit(opts.limit).execute();
      return rows.map(toAttempt);
    });
  }

  pruneAttempts(before: string): Promise<number> {
    return guard(async () => {
      const r = await this.db.deleteFrom('webhook_attempts').where('attempted_at', '<', before).executeTakeFirst();
      return Number(r.numDeletedRows);
    });
  }

  // --- dead letters --------------------------------------------------------------------------

  listDeadLetters(endpointId: string, opts: { limit: number; before?: string }): Promise<DeadLetter[]> {
    return guard(async () => {
      let q = this.db.selectFrom('webhook_dead_letters').selectAll().where('endpoint_id', '=', endpointId);
      if (opts.before !== undefined) q = q.where('id', '<', opts.before);
      const rows = await q.orderBy('id', 'desc').limit(opts.limit).execute();
      return rows.map(toDeadLetter);
    });
  }

  replayDeadLetter(endpointId: string, id: string, now: number): Promise<boolean> {
    return guard(async () => {
      const r = await this.db.updateTable('webhook_dead_letters')
        .set({ state: 'replaying', replay_attempts: 0, replay_failing_since: null, next_attempt_at: now })
        .where('endpoint_id', '=', endpointId).where('id', '=', id).executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    });
  }

  dueReplays(endpointId: string, now: number, limit: number): Promise<DeadLetter[]> {
    return guard(async () => {
      const rows = await this.db.selectFrom('webhook_dead_letters').selectAll()
        .where('endpoint_id', '=', endpointId).where('state', '=', 'replaying').where('next_attempt_at', '<=', now)
        .orderBy('next_attempt_at').orderBy('id').limit(limit).execute();
      return rows.map(toDeadLetter);
    });
  }

  recordReplay(a: WebhookAttempt, deadLetterId: string, outcome: ReplayOutcome): Promise<void> {
    return guard(() =>
      this.db.transaction().execute(async (tx) => {
        await tx.insertInto('webhook_attempts').values(attemptRow(a)).execute();
        const dl = () => tx.updateTable('webhook_dead_letters').where('id', '=', deadLetterId).where('state', '=', 'replaying');
        if (outcome.kind === 'delivered') {
          await tx.deleteFrom('webhook_dead_letters').where('id', '=', deadLetterId).where('state', '=', 'replaying').execute();
        } else if (outcome.kind === 'retry') {
          await dl().set((eb) => ({
            attempts: eb('attempts', '+', 1), last_status: a.status, last_error: a.error,
            replay_attempts: a.attempt, replay_failing_since: outcome.failingSince, next_attempt_at: outcome.nextAttemptAt,
          })).execute();
        } else {
          await dl().set((eb) => ({
            attempts: eb('attempts', '+', 1), last_status: a.status, last_error: a.error, failed_at: a.attempted_at,
            state: 'dead', replay_attempts: 0, replay_failing_since: null, next_attempt_at: 0,
          })).execute();
        }
      }),
    );
  }
}
