// The deliverer of ONE endpoint, run by the process that holds the endpoint's lease
// (dispatcher.ts). Driven from the warm store only (docs/webhooks.md):
//
//   discovery  every WEBHOOK_POLL_MS (and at once when this process's persist workers commit):
//              streams are opened for conversations with changes stored since the endpoint's
//              discovery watermark (scanned_until, persisted, so a successor continues where a
//              killed deliverer stopped), and conversations with recent changes, streams due for
//              a retry and dead letters being replayed become candidates; every few seconds all
//              streams behind their conversation's last cursor are looked at as well.
//   delivery   per conversation one change at a time, in cursor order, from the stream's
//              position up to the conversation's SETTLED cursor (a change committed out of
//              order is waited for, never skipped); up to WEBHOOK_CONCURRENCY conversations at
//              once. The position is written after the endpoint answered 2xx: a kill in between
//              repeats the delivery (same webhook-id), it never loses it.
//   failure    retried with exponential backoff and jitter while the stream has been failing
//              for less than WEBHOOK_RETRY_FOR_S; then the change becomes a dead letter and the
//              stream moves on (its later changes get one attempt each until one succeeds).
import { v7 as uuidv7 } from 'uuid';
import type { Metrics } from '../http/metrics.js';
import type { DeadLetter, PendingChange, WebhookEndpoint, WebhookStore } from '../store/webhook-store.js';
import type { Send } from '../http/sender.js';
import { webhookBody, webhookHeaders, webhookId } from './signing.js';

export interface DeliveryOptions {
  timeoutMs: number;
  retryForMs: number;
  retryBaseMs: number;
  retryMaxMs: number;
  pollMs: number;
  concurrency: number;
}

/** The webhook metrics (http/metrics.ts); counted as attempts end, whatever the store then records. */
export type WebhookMetrics = Pick<Metrics, 'webhookDeliveries' | 'webhookAttemptSeconds' | 'webhookLagSeconds' | 'webhookEndpoints'>;

export interface DeliveryLogger {
  warn(obj: object, msg?: string): void;
}

/** How far back of the previous look the discovery looks again (commit delays, clock skew between nodes). */
export const DISCOVERY_SLACK_MS = 5000;
/** How often every stream behind its conversation is looked at, besides the recent changes. */
const FULL_SCAN_MS = 10_000;
/** Matching changes read per query. */
const BATCH = 100;
/** Queries of one candidate before it yields its slot to the others. */
const ROUNDS = 10;
const MAX_CANDIDATES = 10_000;
/** Least time between two recounts of a conversation's settled cursor (ChangeStore.settle). */
const SETTLE_EVERY_MS = 500;

const iso = (ms: number) => new Date(ms).toISOString();

/** Exponential backoff with jitter: base·2^(n−1), at most max, then 50–100 % of it. */
export function backoffMs(attempt: number, baseMs: number, maxMs: number, random = Math.random): number {
  const d = Math.min(maxMs, baseMs * 2 ** Math.min(attempt - 1, 40));
  return Math.max(1, Math.round(d / 2 + (random() * d) / 2));
}

/** The outcome of a failed attempt: retried (when) or given up. */
export function afterFailure(now: number, attempt: number, failingSince: number, o: Pick<DeliveryOptions, 'retryForMs' | 'retryBaseMs' | 'retryMaxMs'>): { dead: true } | { dead: false; nextAttemptAt: number } {
  const deadline = failingSince + o.retryForMs;
  if (now >= deadline) return { dead: true };
  return { dead: false, nextAttemptAt: Math.min(now + backoffMs(attempt, o.retryBaseMs, o.retryMaxMs), deadline) };
}

export class EndpointDeliverer {
  private endpoint: WebhookEndpoint;
  /** Conversations to look at as soon as a slot is free. */
  private readonly ready = new Set<string>();
  /** Conversations waiting for a time (a retry, a settle): conversation → epoch ms. */
  private readonly waiting = new Map<string, number>();
  private readonly inFlight = new Set<string>();
  /** Asked for again while in flight: looked at once more when done. */
  private readonly again = new Set<string>();
  /** Position reached per conversation (as far as this deliverer knows): a recent change at or below it needs no look. */
  private readonly reached = new Map<string, number>();
  private readonly lastSettle = new Map<string, number>();
  private readonly replaying = new Map<string, Promise<void>>();
  private nextReplayAt = 0;
  private since: string;
  /** The discovery watermark as last written (epoch ms). */
  private savedSince = 0;
  private lastFull = 0;
  private lastDiscovery = 0;
  /** A conversation this process committed has no stream yet: discover before the next poll. */
  private discoverSoon = false;
  private wake: (() => void) | undefined;
  private stopped = false;

  constructor(
    private readonly store: WebhookStore,
    /** ChangeStore.settle: recounts a conversation's settled cursor (two commits that each missed the other's). */
    private readonly settle: (conversationId: string) => Promise<number>,
    endpoint: WebhookEndpoint,
    private readonly o: DeliveryOptions,
    private readonly send: Send,
    private readonly log: DeliveryLogger,
    private readonly metrics?: WebhookMetrics,
  ) {
    this.endpoint = endpoint;
    this.since = endpoint.scanned_until;
  }

  /** A newer version of the endpoint (url, events, secrets) for the next attempts. */
  update(e: WebhookEndpoint): void {
    this.endpoint = e;
  }

  /** This process committed changes of the conversation: look now. */
  notify(conversationId: string): void {
    if (this.stopped) return;
    this.ready.add(conversationId);
    this.wake?.();
  }

  stop(): void {
    this.stopped = true;
    this.wake?.();
  }

  /** Runs until stop() or until `held()` says the lease is gone; resolves once in-flight attempts ended. */
  async run(held: () => boolean): Promise<void> {
    const running = new Set<Promise<void>>();
    const live = () => !this.stopped && held();
    let failures = 0;
    while (live()) {
      const tick = Date.now();
      const replayDue = this.nextReplayAt > 0 && this.nextReplayAt <= tick;
      if (this.discoverSoon || replayDue || tick - this.lastDiscovery >= (failures ? Math.min(5000, this.o.pollMs * 2 ** failures) : this.o.pollMs)) {
        this.discoverSoon = false;
        this.lastDiscovery = tick;
        try {
          await this.discover(tick);
          failures = 0;
        } catch (err) {
          failures++;
          this.log.warn({ err, endpoint: this.endpoint.id }, 'webhook discovery failed; retrying');
        }
      }
      for (const [c, at] of this.waiting) {
        if (at <= Date.now()) {
          this.waiting.delete(c);
          this.ready.add(c);
        }
      }
      // start what is ready, up to the concurrency
      const start: string[] = [];
      for (const c of this.ready) {
        if (running.size + start.length >= this.o.concurrency) break;
        this.ready.delete(c);
        if (this.inFlight.has(c)) {
          this.again.add(c);
          continue;
        }
        start.push(c);
      }
      for (const c of start) {
        this.inFlight.add(c);
        const p: Promise<void> = this.deliverStream(c, live)
          .catch((err) => {
            this.log.warn({ err, endpoint: this.endpoint.id, conversation: c }, 'webhook delivery step failed; retrying');
            this.waiting.set(c, Date.now() + 1000);
          })
          .finally(() => {
            this.inFlight.delete(c);
            running.delete(p);
            if (this.again.delete(c)) this.ready.add(c);
            this.wake?.();
          });
        running.add(p);
      }
      if (!live()) break;
      // sleep until: a wake-up, a slot freed, the earliest retry, or the next poll
      let until = this.lastDiscovery + (failures ? Math.min(5000, this.o.pollMs * 2 ** failures) : this.o.pollMs);
      for (const at of this.waiting.values()) until = Math.min(until, at);
      if (this.nextReplayAt) until = Math.min(until, this.nextReplayAt);
      const canStart = running.size < this.o.concurrency;
      if (canStart && this.ready.size > 0) continue;
      await new Promise<void>((resolve) => {
        const t = setTimeout(done, Math.max(0, until - Date.now()));
        const self = this;
        function done() {
          clearTimeout(t);
          self.wake = undefined;
          resolve();
        }
        this.wake = done;
      });
    }
    this.stopped = true;
    await Promise.all([...running, ...this.replaying.values()]);
  }

  /** Opens streams, collects candidates: changed conversations, due streams, due replays. */
  private async discover(tick: number): Promise<void> {
    const e = this.endpoint;
    for (;;) {
      const n = await this.store.openStreams(e.id, this.since, e.created_at, 1000);
      if (n < 1000) break;
    }
    const changed = await this.store.changedSince(this.since, MAX_CANDIDATES);
    if (this.reached.size > 100_000) this.reached.clear(); // a cache: forgetting costs one look per conversation
    for (const c of changed) {
      if ((this.reached.get(c.conversation_id) ?? -1) < c.last) this.ready.add(c.conversation_id);
    }
    const next = iso(tick - DISCOVERY_SLACK_MS);
    if (next > this.since) {
      // persisted at most once a second: a successor looks back a little further, that is all
      if (Date.parse(next) - this.savedSince >= 1000) {
        await this.store.setScannedUntil(e.id, next);
        this.savedSince = Date.parse(next);
      }
      this.since = next;
    }
    if (changed.length >= MAX_CANDIDATES || tick - this.lastFull >= FULL_SCAN_MS) {
      for (const c of await this.store.dueStreams(e.id, tick, MAX_CANDIDATES)) {
        if (!this.waiting.has(c)) this.ready.add(c);
      }
      this.lastFull = tick;
    }
    if (this.nextReplayAt <= tick) this.nextReplayAt = 0;
    for (const d of await this.store.dueReplays(e.id, tick, 100)) {
      if (this.replaying.has(d.id) || this.stopped) continue;
      // replays are few (an operator's request): each runs beside the streams, outside the concurrency
      const p = this.replay(d).catch((err) => this.log.warn({ err, endpoint: e.id, dead_letter: d.id }, 'webhook replay step failed; retrying'))
        .finally(() => this.replaying.delete(d.id));
      this.replaying.set(d.id, p);
    }
  }

  /** Delivers the conversation's changes in cursor order, from its stream's position. */
  private async deliverStream(conversationId: string, live: () => boolean): Promise<void> {
    const s = await this.store.getStream(this.endpoint.id, conversationId);
    if (!s) {
      // no stream yet (its first change since the endpoint exists: discovery opens it), or none
      // ever (its changes are all older than the endpoint)
      this.discoverSoon = true;
      return;
    }
    if (s.next_attempt_at > Date.now()) {
      this.waiting.set(conversationId, s.next_attempt_at);
      return;
    }
    let pos = s.position;
    let attempts = s.attempts;
    let failingSince = s.failing_since;
    for (let round = 0; round < ROUNDS; round++) {
      if (!live()) return;
      const n = await this.store.nextChanges(conversationId, pos, this.endpoint.events, BATCH);
      if (pos < n.floor) {
        // pruned (CHANGE_RETENTION_DAYS) before this endpoint delivered them: they are gone for it
        this.log.warn({ endpoint: this.endpoint.id, conversation: conversationId, from: pos, to: n.floor }, 'webhook changes pruned before delivery; skipping to what is kept');
        if (!(await this.store.advance(this.endpoint.id, conversationId, pos, n.floor))) return;
        pos = n.floor;
        continue;
      }
      if (n.changes.length === 0) {
        if (n.settled > pos) {
          if (!(await this.store.advance(this.endpoint.id, conversationId, pos, n.settled))) return;
          pos = n.settled;
        }
        this.reached.set(conversationId, pos);
        if (n.last > pos) await this.waitForSettled(conversationId);
        return;
      }
      for (const ch of n.changes) {
        if (!live()) return;
        const r = await this.attempt(conversationId, ch, pos, attempts, failingSince);
        if (r.kind === 'moved') return; // another deliverer moved the stream: it is theirs now
        if (r.kind === 'retry') {
          this.waiting.set(conversationId, r.nextAttemptAt);
          return;
        }
        pos = ch.cursor;
        attempts = 0;
        failingSince = r.kind === 'dead' ? r.failingSince : null;
        this.reached.set(conversationId, pos);
      }
    }
    this.ready.add(conversationId); // more to do: after the others had their turn
  }

  /** Changes above the settled cursor: in flight (wait), or two commits that missed each other (recount). */
  private async waitForSettled(conversationId: string): Promise<void> {
    const now = Date.now();
    if (now - (this.lastSettle.get(conversationId) ?? 0) >= SETTLE_EVERY_MS) {
      this.lastSettle.set(conversationId, now);
      const settled = await this.settle(conversationId);
      if (settled > (this.reached.get(conversationId) ?? 0)) {
        this.lastSettle.delete(conversationId);
        this.ready.add(conversationId);
        return;
      }
    }
    this.waiting.set(conversationId, now + Math.min(SETTLE_EVERY_MS, this.o.pollMs * 2));
  }

  private secrets(now: number): string[] {
    const e = this.endpoint;
    return e.previous_secret && (e.previous_secret_until ?? 0) > now ? [e.secret, e.previous_secret] : [e.secret];
  }

  private async post(id: string, body: string): Promise<{ start: number; result: Awaited<ReturnType<Send>> }> {
    const start = Date.now();
    const headers = webhookHeaders(this.secrets(start), id, Math.floor(start / 1000), body);
    const result = await this.send(this.endpoint.url, headers, body, this.o.timeoutMs);
    this.metrics?.webhookAttemptSeconds.observe({ result: result.ok ? 'ok' : 'failed' }, result.latencyMs / 1000);
    return { start, result };
  }

  private counted(outcome: 'delivered' | 'retry' | 'dead'): void {
    this.metrics?.webhookDeliveries.inc({ endpoint: this.endpoint.id, outcome });
  }

  private async attempt(conversationId: string, ch: PendingChange, from: number, attempts: number, failingSince: number | null):
  Promise<{ kind: 'delivered' } | { kind: 'dead'; failingSince: number } | { kind: 'retry'; nextAttemptAt: number } | { kind: 'moved' }> {
    const e = this.endpoint;
    const id = webhookId(conversationId, ch.cursor);
    const body = webhookBody(ch, conversationId);
    const { start, result } = await this.post(id, body);
    const attempt = attempts + 1;
    const record = {
      id: uuidv7(), endpoint_id: e.id, webhook_id: id, conversation_id: conversationId, cursor: ch.cursor, type: ch.type, attempt,
      status: result.status, error: result.error, latency_ms: result.latencyMs, attempted_at: iso(start), replay: false,
    };
    if (result.ok) {
      this.counted('delivered');
      const storedAt = Date.parse(ch.stored_at);
      if (Number.isFinite(storedAt)) this.metrics?.webhookLagSeconds.observe(Math.max(0, Date.now() - storedAt) / 1000);
      const ok = await this.store.recordAttempt({ ...record, outcome: 'delivered' }, from, { kind: 'delivered' });
      return ok ? { kind: 'delivered' } : { kind: 'moved' };
    }
    const since = failingSince ?? start;
    const next = afterFailure(Date.now(), attempt, since, this.o);
    if (next.dead) {
      this.counted('dead');
      const ok = await this.store.recordAttempt({ ...record, outcome: 'dead' }, from, { kind: 'dead', failingSince: since, deadLetter: { id: uuidv7(), body } });
      if (ok) this.log.warn({ endpoint: e.id, conversation: conversationId, cursor: ch.cursor, attempts: attempt, error: result.error }, 'webhook delivery failed for WEBHOOK_RETRY_FOR_S: dead letter');
      return ok ? { kind: 'dead', failingSince: since } : { kind: 'moved' };
    }
    this.counted('retry');
    const ok = await this.store.recordAttempt({ ...record, outcome: 'retry' }, from, { kind: 'retry', failingSince: since, nextAttemptAt: next.nextAttemptAt });
    return ok ? { kind: 'retry', nextAttemptAt: next.nextAttemptAt } : { kind: 'moved' };
  }

  /** One attempt at a dead letter the operator asked to replay (its own retry period). */
  private async replay(d: DeadLetter): Promise<void> {
    const { start, result } = await this.post(d.webhook_id, d.body);
    const attempt = d.replay_attempts + 1;
    const record = {
      id: uuidv7(), endpoint_id: this.endpoint.id, webhook_id: d.webhook_id, conversation_id: d.conversation_id, cursor: d.cursor, type: d.type, attempt,
      status: result.status, error: result.error, latency_ms: result.latencyMs, attempted_at: iso(start), replay: true,
    };
    if (result.ok) {
      this.counted('delivered');
      await this.store.recordReplay({ ...record, outcome: 'delivered' }, d.id, { kind: 'delivered' });
      return;
    }
    const since = d.replay_failing_since ?? start;
    const next = afterFailure(Date.now(), attempt, since, this.o);
    if (next.dead) {
      this.counted('dead');
      await this.store.recordReplay({ ...record, outcome: 'dead' }, d.id, { kind: 'dead' });
      return;
    }
    this.counted('retry');
    await this.store.recordReplay({ ...record, outcome: 'retry' }, d.id, { kind: 'retry', failingSince: since, nextAttemptAt: next.nextAttemptAt });
    this.nextReplayAt = this.nextReplayAt ? Math.min(this.nextReplayAt, next.nextAttemptAt) : next.nextAttemptAt;
    this.wake?.();
  }
}
