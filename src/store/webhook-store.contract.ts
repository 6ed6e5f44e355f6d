// The WebhookStore contract (webhook-store.ts): every adapter (SQL on SQLite and on PostgreSQL)
// must pass this same suite. Changes are written through Store.applyChanges, as the persist
// workers write them, so the suite also pins what delivery reads of the change log: only up to
// the settled cursor (a change committed out of order is never skipped), only the types asked,
// byte for byte; streams open "from now on" (at the last cursor stored before the endpoint's
// creation, or the pruned floor); positions move by compare-and-set only; attempts and dead
// letters go with the outcome that caused them, and with their endpoint.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { v7 as uuidv7 } from 'uuid';
import type { StoredChange } from '../model/change.js';
import type { Store } from './store.js';
import type { WebhookAttempt, WebhookStore } from './webhook-store.js';

export interface WebhooksUnderTest {
  webhooks: WebhookStore;
  store: Store;
  close(): Promise<void>;
}

function change(conversationId: string, cursor: number, type: 'conversation' | 'reaction' = 'conversation'): StoredChange {
  const json = type === 'conversation'
    ? `{"type":"conversation","cursor":${cursor},"conversation_id":"${conversationId}","title":"t${cursor}","by":"alice","at":"2026-04-01T00:00:00.000Z"}`
    : `{"type":"reaction","cursor":${cursor},"conversation_id":"${conversationId}","message_id":"m","user":"bob","reaction":"ok","removed":false,"at":"2026-04-01T00:00:00.000Z"}`;
  return { conversation_id: conversationId, cursor, type, json };
}

/** Resolves once the clock is past `iso` (a bounded poll of a positive condition, no fixed sleep). */
async function clockPast(iso: string): Promise<void> {
  const t = Date.parse(iso);
  for (let i = 0; Date.now() <= t; i++) {
    if (i > 1000) throw new Error(`clock never passed ${iso}`);
    await new Promise((r) => setTimeout(r, 1));
  }
}

const plusMs = (iso: string, ms: number) => new Date(Date.parse(iso) + ms).toISOString();

export function webhookStoreContract(name: string, make: () => Promise<WebhooksUnderTest>) {
  describe(`WebhookStore contract: ${name}`, () => {
    let u: WebhooksUnderTest;
    let w: WebhookStore;
    beforeAll(async () => {
      u = await make();
      w = u.webhooks;
    });
    afterAll(async () => u?.close());

    async function conversation(): Promise<string> {
      const id = uuidv7();
      await u.store.createConversation({ id, title: null, kind: 'group', created_by: 'alice', created_at: new Date().toISOString(), members: [{ user: 'alice', role: 'owner' }] });
      return id;
    }

    async function endpoint(createdAt = new Date().toISOString(), events: ('conversation' | 'reaction')[] = ['conversation']) {
      return w.createEndpoint({ id: uuidv7(), url: 'http://127.0.0.1:1/hook', events, secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', created_at: createdAt });
    }

    /** The time the warm store recorded the conversation's change at `cursor`. */
    async function storedAt(conversationId: string, cursor: number): Promise<string> {
      const n = await w.nextChanges(conversationId, cursor - 1, ['conversation', 'reaction'], 1);
      expect(n.changes[0]?.cursor).toBe(cursor);
      return n.changes[0].stored_at;
    }

    function attempt(endpointId: string, conversationId: string, cursor: number, over: Partial<WebhookAttempt> = {}): WebhookAttempt {
      return {
        id: uuidv7(), endpoint_id: endpointId, webhook_id: `msg_${conversationId}_${cursor}`, conversation_id: conversationId, cursor, type: 'conversation',
        attempt: 1, status: 200, error: null, latency_ms: 12, attempted_at: new Date().toISOString(), outcome: 'delivered', replay: false, ...over,
      };
    }

    it('creates, reads, lists, updates, rotates and deletes endpoints', async () => {
      const at = '2026-04-01T10:00:00.000Z';
      const e = await endpoint(at);
      expect(e).toEqual({
        id: e.id, url: 'http://127.0.0.1:1/hook', events: ['conversation'], secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', previous_secret: null,
        previous_secret_until: null, created_at: at, updated_at: at, scanned_until: at,
      });
      expect(await w.getEndpoint(e.id)).toEqual(e);
      const other = await endpoint('2026-04-01T11:00:00.000Z');
      const listed = (await w.listEndpoints()).filter((x) => x.id === e.id || x.id === other.id);
      expect(listed.map((x) => x.id)).toEqual([e.id, other.id]);

      const updated = await w.updateEndpoint(e.id, { events: ['reaction', 'conversation'] }, '2026-04-01T12:00:00.000Z');
      expect(updated).toEqual({ ...e, events: ['reaction', 'conversation'], updated_at: '2026-04-01T12:00:00.000Z' });
      expect(await w.updateEndpoint(e.id, { url: 'https://example.com/x' }, '2026-04-01T12:00:01.000Z')).toMatchObject({ url: 'https://example.com/x', events: ['reaction', 'conversation'] });
      expect(await w.updateEndpoint(uuidv7(), { url: 'https://example.com/y' }, at)).toBeNull();

      const rotated = await w.rotateSecret(e.id, 'whsec_bmV3LXNlY3JldC1uZXctc2VjcmV0LW5ldw==', 1_900_000_000_000, '2026-04-01T13:00:00.000Z');
      expect(rotated).toMatchObject({ secret: 'whsec_bmV3LXNlY3JldC1uZXctc2VjcmV0LW5ldw==', previous_secret: e.secret, previous_secret_until: 1_900_000_000_000 });
      const again = await w.rotateSecret(e.id, 'whsec_dGhpcmQtc2VjcmV0LXRoaXJkLXNlY3JldA==', null, '2026-04-01T14:00:00.000Z');
      expect(again).toMatchObject({ secret: 'whsec_dGhpcmQtc2VjcmV0LXRoaXJkLXNlY3JldA==', previous_secret: null, previous_secret_until: null });
      expect(await w.rotateSecret(uuidv7(), 'whsec_x', null, at)).toBeNull();

      expect(await w.deleteEndpoint(e.id)).toBe(true);
      expect(await w.deleteEndpoint(e.id)).toBe(false);
      expect(await w.getEndpoint(e.id)).toBeNull();
      expect(await w.getEndpoint(other.id)).not.toBeNull();
    });

    it('opens streams "from now on": at the last cursor stored before the endpoint, only for conversations changed since', async () => {
      const before = await conversation(); // changes before and after the endpoint
      const quiet = await conversation(); // changes only before
      await u.store.applyChanges([change(before, 1), change(before, 2), change(before, 3), change(quiet, 1)]);
      const created = plusMs(await storedAt(before, 3), 1);
      await clockPast(created);
      const e = await endpoint(created);
      const fresh = await conversation(); // created after the endpoint
      await u.store.applyChanges([change(before, 4), change(fresh, 1), change(fresh, 2)]);

      const changed = await w.changedSince(created, 10_000);
      expect(changed).toEqual(expect.arrayContaining([{ conversation_id: before, last: 4 }, { conversation_id: fresh, last: 2 }]));
      expect(changed.map((x) => x.conversation_id)).not.toContain(quiet);
      expect(await w.openStreams(e.id, created, created, 1)).toBe(1); // limited: call again
      expect(await w.openStreams(e.id, created, created, 1000)).toBe(1);
      expect(await w.openStreams(e.id, created, created, 1000)).toBe(0); // opened once
      expect(await w.getStream(e.id, before)).toEqual({ conversation_id: before, position: 3, attempts: 0, failing_since: null, next_attempt_at: 0 });
      expect(await w.getStream(e.id, fresh)).toMatchObject({ position: 0 });
      expect(await w.getStream(e.id, quiet)).toBeNull();
      // another endpoint has streams of its own
      const e2 = await endpoint(created);
      expect(await w.getStream(e2.id, before)).toBeNull();
      expect(await w.openStreams(e2.id, created, created, 1000)).toBe(2);

      expect((await w.dueStreams(e.id, Date.now(), 1000)).sort()).toEqual([before, fresh].sort());
      // the discovery watermark only rises
      await w.setScannedUntil(e.id, plusMs(created, 5000));
      await w.setScannedUntil(e.id, plusMs(created, 1000));
      expect((await w.getEndpoint(e.id))!.scanned_until).toBe(plusMs(created, 5000));
    });

    it('reads the next changes of the asked types up to the settled cursor only, byte for byte, ascending', async () => {
      const c = await conversation();
      const batch = [change(c, 1), change(c, 2, 'reaction'), change(c, 3), change(c, 4, 'reaction')];
      await u.store.applyChanges(batch);
      await u.store.applyChanges([change(c, 6)]); // 5 is still in another worker's batch
      const n = await w.nextChanges(c, 0, ['conversation', 'reaction'], 100);
      expect(n).toMatchObject({ settled: 4, last: 6, floor: 0 });
      expect(n.changes.map((x) => [x.cursor, x.type, x.json])).toEqual(batch.map((b) => [b.cursor, b.type, b.json]));
      expect(n.changes.every((x) => !Number.isNaN(Date.parse(x.stored_at)) && new Date(x.stored_at).toISOString() === x.stored_at)).toBe(true);
      expect((await w.nextChanges(c, 0, ['reaction'], 100)).changes.map((x) => x.cursor)).toEqual([2, 4]);
      expect((await w.nextChanges(c, 1, ['conversation', 'reaction'], 2)).changes.map((x) => x.cursor)).toEqual([2, 3]);
      expect((await w.nextChanges(c, 4, ['conversation', 'reaction'], 100)).changes).toEqual([]); // 6 waits for 5
      expect((await w.nextChanges(c, 0, [], 100)).changes).toEqual([]);
      await u.store.applyChanges([change(c, 5)]);
      const after = await w.nextChanges(c, 4, ['conversation'], 100);
      expect(after).toMatchObject({ settled: 6, last: 6 });
      expect(after.changes.map((x) => x.cursor)).toEqual([5, 6]);
      expect(await w.nextChanges(uuidv7(), 0, ['conversation'], 10)).toEqual({ changes: [], settled: 0, last: 0, floor: 0 });
    });

    it('moves positions by compare-and-set; logs every attempt with the outcome it caused', async () => {
      const t0 = new Date().toISOString();
      const e = await endpoint(t0);
      const c = await conversation();
      await u.store.applyChanges([change(c, 1), change(c, 2), change(c, 3), change(c, 4)]);
      expect(await w.openStreams(e.id, t0, t0, 100)).toBeGreaterThanOrEqual(1);
      expect(await w.getStream(e.id, c)).toMatchObject({ position: 0 });

      // delivered: the position moves to the change; a second holder at the old position moves nothing
      const a1 = attempt(e.id, c, 1);
      expect(await w.recordAttempt(a1, 0, { kind: 'delivered' })).toBe(true);
      const late = attempt(e.id, c, 1);
      expect(await w.recordAttempt(late, 0, { kind: 'delivered' })).toBe(false);
      expect(await w.getStream(e.id, c)).toMatchObject({ position: 1, attempts: 0 });

      // retry: attempts and the next time, the position stays; not due before that time
      const now = Date.now();
      const r1 = attempt(e.id, c, 2, { status: 500, outcome: 'retry', attempt: 1 });
      expect(await w.recordAttempt(r1, 1, { kind: 'retry', failingSince: now, nextAttemptAt: now + 60_000 })).toBe(true);
      expect(await w.getStream(e.id, c)).toEqual({ conversation_id: c, position: 1, attempts: 1, failing_since: now, next_attempt_at: now + 60_000 });
      expect(await w.dueStreams(e.id, now + 59_999, 100)).not.toContain(c);
      expect(await w.dueStreams(e.id, now + 60_000, 100)).toContain(c);

      // dead: the dead letter is stored with the body, the position moves past, still failing
      const r2 = attempt(e.id, c, 2, { status: null, error: 'timeout after 500 ms', outcome: 'dead', attempt: 2 });
      const dl = uuidv7();
      expect(await w.recordAttempt(r2, 1, { kind: 'dead', failingSince: now, deadLetter: { id: dl, body: '{"body":2}' } })).toBe(true);
      expect(await w.getStream(e.id, c)).toEqual({ conversation_id: c, position: 2, attempts: 0, failing_since: now, next_attempt_at: 0 });
      const dead = await w.listDeadLetters(e.id, { limit: 10 });
      expect(dead).toEqual([{
        id: dl, endpoint_id: e.id, webhook_id: `msg_${c}_2`, conversation_id: c, cursor: 2, type: 'conversation', body: '{"body":2}', attempts: 2,
        last_status: null, last_error: 'timeout after 500 ms', failed_at: r2.attempted_at, state: 'dead', replay_attempts: 0, replay_failing_since: null, next_attempt_at: 0,
      }]);
      // a dead outcome at a position already moved stores no second dead letter
      const stale = attempt(e.id, c, 2, { outcome: 'dead' });
      expect(await w.recordAttempt(stale, 1, { kind: 'dead', failingSince: now, deadLetter: { id: uuidv7(), body: 'x' } })).toBe(false);
      expect(await w.listDeadLetters(e.id, { limit: 10 })).toHaveLength(1);

      // advance skips changes of no interest, by compare-and-set too
      expect(await w.advance(e.id, c, 1, 4)).toBe(false);
      expect(await w.advance(e.id, c, 2, 4)).toBe(true);
      expect(await w.getStream(e.id, c)).toMatchObject({ position: 4 });
      expect(await w.dueStreams(e.id, Date.now(), 100)).not.toContain(c); // caught up

      // attempts, newest first, paged, by conversation
      const all = await w.listAttempts(e.id, { limit: 100 });
      expect(all.map((x) => x.id)).toEqual([stale.id, r2.id, r1.id, late.id, a1.id]);
      expect(all).toHaveLength(5);
      expect(all.find((x) => x.id === r1.id)).toEqual(r1);
      expect(all.find((x) => x.id === r2.id)).toEqual(r2);
      const page = await w.listAttempts(e.id, { limit: 2 });
      expect(page).toEqual(all.slice(0, 2));
      expect(await w.listAttempts(e.id, { limit: 100, before: page[1].id })).toEqual(all.slice(2));
      expect(await w.listAttempts(e.id, { limit: 100, conversationId: uuidv7() })).toEqual([]);
      expect(await w.listAttempts(e.id, { limit: 100, conversationId: c })).toHaveLength(5);
    });

    it('replays a dead letter: due at once, retried, back to dead, or gone once delivered', async () => {
      const t0 = new Date().toISOString();
      const e = await endpoint(t0);
      const other = await endpoint(t0);
      const c = await conversation();
      await u.store.applyChanges([change(c, 1), change(c, 2)]);
      await w.openStreams(e.id, t0, t0, 100);
      const now = Date.now();
      const ids = [uuidv7(), uuidv7()];
      expect(await w.recordAttempt(attempt(e.id, c, 1, { status: 503, outcome: 'dead' }), 0, { kind: 'dead', failingSince: now, deadLetter: { id: ids[0], body: 'b1' } })).toBe(true);
      expect(await w.recordAttempt(attempt(e.id, c, 2, { status: 503, outcome: 'dead' }), 1, { kind: 'dead', failingSince: now, deadLetter: { id: ids[1], body: 'b2' } })).toBe(true);
      expect((await w.listDeadLetters(e.id, { limit: 10 })).map((d) => d.id)).toEqual([ids[1], ids[0]]);
      expect((await w.listDeadLetters(e.id, { limit: 10, before: ids[1] })).map((d) => d.id)).toEqual([ids[0]]);
      expect(await w.dueReplays(e.id, now, 10)).toEqual([]);

      expect(await w.replayDeadLetter(other.id, ids[0], now)).toBe(false); // another endpoint's
      expect(await w.replayDeadLetter(e.id, uuidv7(), now)).toBe(false);
      expect(await w.replayDeadLetter(e.id, ids[0], now)).toBe(true);
      expect((await w.dueReplays(e.id, now, 10)).map((d) => [d.id, d.state, d.body])).toEqual([[ids[0], 'replaying', 'b1']]);

      await w.recordReplay(attempt(e.id, c, 1, { status: 500, outcome: 'retry', replay: true }), ids[0], { kind: 'retry', failingSince: now, nextAttemptAt: now + 1000 });
      expect(await w.dueReplays(e.id, now, 10)).toEqual([]);
      const [retrying] = await w.dueReplays(e.id, now + 1000, 10);
      expect(retrying).toMatchObject({ id: ids[0], attempts: 2, last_status: 500, replay_attempts: 1, replay_failing_since: now, next_attempt_at: now + 1000 });
      await w.recordReplay(attempt(e.id, c, 1, { status: 502, attempt: 2, outcome: 'dead', replay: true }), ids[0], { kind: 'dead' });
      expect((await w.listDeadLetters(e.id, { limit: 10 })).find((d) => d.id === ids[0])).toMatchObject({ state: 'dead', attempts: 3, last_status: 502, replay_attempts: 0 });

      expect(await w.replayDeadLetter(e.id, ids[0], now)).toBe(true);
      await w.recordReplay(attempt(e.id, c, 1, { status: 204, replay: true }), ids[0], { kind: 'delivered' });
      expect((await w.listDeadLetters(e.id, { limit: 10 })).map((d) => d.id)).toEqual([ids[1]]);
      expect((await w.listAttempts(e.id, { limit: 100 })).filter((a) => a.replay)).toHaveLength(3);
    });

    it('an endpoint goes with its streams, attempts and dead letters; old attempts are pruned', async () => {
      const t0 = new Date().toISOString();
      const e = await endpoint(t0);
      const c = await conversation();
      await u.store.applyChanges([change(c, 1), change(c, 2)]);
      await w.openStreams(e.id, t0, t0, 100);
      await w.recordAttempt(attempt(e.id, c, 1, { attempted_at: '2026-01-01T00:00:00.000Z' }), 0, { kind: 'delivered' });
      await w.recordAttempt(attempt(e.id, c, 2, { outcome: 'dead' }), 1, { kind: 'dead', failingSince: Date.now(), deadLetter: { id: uuidv7(), body: 'b' } });
      expect(await w.pruneAttempts('2026-01-01T00:00:00.001Z')).toBeGreaterThanOrEqual(1);
      expect((await w.listAttempts(e.id, { limit: 10 })).map((a) => a.cursor)).toEqual([2]);
      expect(await w.deleteEndpoint(e.id)).toBe(true);
      expect(await w.getStream(e.id, c)).toBeNull();
      expect(await w.listAttempts(e.id, { limit: 10 })).toEqual([]);
      expect(await w.listDeadLetters(e.id, { limit: 10 })).toEqual([]);
    });

    // last: pruning the change log touches every conversation of the store
    it('a stream opened after the change log was pruned starts at the floor', async () => {
      const early = new Date(Date.now() - 60_000).toISOString();
      const e = await endpoint(early);
      const c = await conversation();
      await u.store.applyChanges([change(c, 1), change(c, 2), change(c, 3)]);
      expect(await u.store.pruneChanges(new Date(Date.now() + 60_000).toISOString())).toBeGreaterThanOrEqual(3);
      await u.store.applyChanges([change(c, 4)]);
      expect(await w.openStreams(e.id, early, early, 100)).toBe(1);
      expect(await w.getStream(e.id, c)).toMatchObject({ position: 3 });
      const n = await w.nextChanges(c, 3, ['conversation'], 10);
      expect(n).toMatchObject({ floor: 3, settled: 4 });
      expect(n.changes.map((x) => x.cursor)).toEqual([4]);
    });
  });
}
