// Retries of pushes to ONE subscription (docs/push.md#delivery): a push that failed with 429, a
// 5xx or no answer is queued here for its subscription and tried again with backoff, so one
// member's broken push service never holds back the conversation's stream (every other
// member's pushes, and every later message). Per subscription one push at a time, oldest
// first; a queued push is given up PUSH_RETRY_FOR_S after its first failure; a subscription
// that fails `maxFailures` times in a row over PUSH_DISABLE_AFTER_S is removed. While a
// subscription has pushes queued, the fan-out queues its new ones behind them (no new wait of a
// PUSH_TIMEOUT_MS per message). The queue is in memory: a process killed with pushes queued
// loses those retries (a subscription that was failing at that moment); every push that a push
// service accepted at once was accepted before the stream moved on, so healthy subscriptions
// keep at-least-once across kill -9. Bounded: at most `maxPending` pushes per subscription
// (the oldest go first) and `maxSubscriptions` subscriptions.
import { backoffMs } from '../webhooks/deliverer.js';
import type { PushSubscription } from '../store/push-store.js';
import type { PushResult } from '../push-providers/push-provider.js';

export interface QueuedPush {
  messageId: string;
  /** The message's created_at (epoch ms), for the lag metric. */
  created: number;
  firstFailedAt: number;
  attempts: number;
  nextAt: number;
}

export interface RetryOptions {
  retryForMs: number;
  retryBaseMs: number;
  retryMaxMs: number;
  /** Failures in a row (and PUSH_DISABLE_AFTER_S since the first) that remove a subscription. */
  maxFailures: number;
  disableAfterMs: number;
  maxPending: number;
  maxSubscriptions: number;
}

export interface RetryDeps {
  /** One more push of the message to the subscription; 'skip' when it is no longer due (deleted, unsubscribed, …). */
  attempt(s: PushSubscription, q: QueuedPush): Promise<PushResult | 'skip'>;
  /** Removes the subscription (failing for too long). */
  disable(s: PushSubscription): Promise<void>;
  log: { warn(obj: object, msg?: string): void };
  counted?: (outcome: 'given_up' | 'disabled') => void;
  now?: () => number;
}

interface Entry {
  sub: PushSubscription;
  queue: QueuedPush[];
  /** Retryable failures in a row, and when the first of them was. */
  failures: number;
  failingSince: number | null;
  busy: boolean;
}

export class PushRetry {
  private readonly subs = new Map<string, Entry>();
  private wake: (() => void) | undefined;
  private readonly now: () => number;

  constructor(private readonly d: RetryDeps, private readonly o: RetryOptions) {
    this.now = d.now ?? Date.now;
  }

  /** Pushes queued (all subscriptions). */
  get size(): number {
    let n = 0;
    for (const e of this.subs.values()) n += e.queue.length;
    return n;
  }

  /** True while the subscription has pushes queued: a new one goes behind them. */
  queued(subId: string): boolean {
    return (this.subs.get(subId)?.queue.length ?? 0) > 0;
  }

  /** A push to `s` succeeded (at once or on a retry): its failure streak ends. */
  succeeded(s: PushSubscription): void {
    const e = this.subs.get(s.id);
    if (!e) return;
    e.failures = 0;
    e.failingSince = null;
    if (e.queue.length === 0 && !e.busy) this.subs.delete(s.id);
  }

  /** The subscription is gone (404/410, removed): nothing more for it. */
  forget(subId: string): void {
    this.subs.delete(subId);
  }

  /** Queues a push of the message to `s`: after a retryable failure (`failed`), or behind the pushes queued for it. */
  async add(s: PushSubscription, messageId: string, created: number, failed: boolean): Promise<void> {
    const now = this.now();
    let e = this.subs.get(s.id);
    if (!e) {
      if (this.subs.size >= this.o.maxSubscriptions) {
        this.d.log.warn({ subscription: s.id, message: messageId }, 'push retry queue full (subscriptions): this push is given up');
        this.d.counted?.('given_up');
        return;
      }
      e = { sub: s, queue: [], failures: 0, failingSince: null, busy: false };
      this.subs.set(s.id, e);
    }
    e.sub = s;
    if (e.queue.some((q) => q.messageId === messageId)) return;
    if (failed && (await this.failedOnce(e, now))) return;
    const base = failed ? backoffMs(1, this.o.retryBaseMs, this.o.retryMaxMs) : 0;
    e.queue.push({ messageId, created, firstFailedAt: now, attempts: failed ? 1 : 0, nextAt: now + base });
    while (e.queue.length > this.o.maxPending) {
      e.queue.shift();
      this.d.counted?.('given_up');
    }
    this.wake?.();
  }

  /** Counts a retryable failure; true when that removed the subscription. */
  private async failedOnce(e: Entry, now: number): Promise<boolean> {
    e.failures++;
    e.failingSince ??= now;
    if (e.failures < this.o.maxFailures || now - e.failingSince < this.o.disableAfterMs) return false;
    this.subs.delete(e.sub.id);
    this.d.counted?.('disabled');
    this.d.log.warn({ subscription: e.sub.id, user: e.sub.user, failures: e.failures, since: new Date(e.failingSince).toISOString() }, 'push subscription failing for PUSH_DISABLE_AFTER_S: removed');
    await this.d.disable(e.sub);
    return true;
  }

  /** Tries every subscription's first due push once (in parallel across subscriptions); the earliest next due time, or null. */
  async runDue(): Promise<number | null> {
    const now = this.now();
    const due = [...this.subs.values()].filter((e) => !e.busy && e.queue.length > 0 && e.queue[0].nextAt <= now);
    await Promise.all(due.map((e) => this.step(e)));
    let next: number | null = null;
    for (const e of this.subs.values()) if (e.queue.length > 0 && !e.busy) next = Math.min(next ?? Infinity, e.queue[0].nextAt);
    return next;
  }

  private async step(e: Entry): Promise<void> {
    const q = e.queue[0];
    e.busy = true;
    let r: PushResult | 'skip';
    try {
      r = await this.d.attempt(e.sub, q);
    } catch (err) {
      // a store error (the message or the subscription could not be read): try again later
      this.d.log.warn({ err, subscription: e.sub.id, message: q.messageId }, 'push retry step failed; retrying');
      r = { ok: false, status: null, gone: false, retryable: true, error: String(err), latencyMs: 0 };
    } finally {
      e.busy = false;
    }
    const now = this.now();
    if (r === 'skip' || r.ok || !r.retryable) {
      e.queue.shift();
      if (r !== 'skip' && r.ok) this.succeeded(e.sub);
      if (r !== 'skip' && r.gone) this.forget(e.sub.id);
      else if (e.queue.length === 0 && e.failures === 0) this.subs.delete(e.sub.id);
      return;
    }
    if (await this.failedOnce(e, now)) return;
    q.attempts++;
    if (now - q.firstFailedAt >= this.o.retryForMs) {
      e.queue.shift();
      this.d.counted?.('given_up');
      this.d.log.warn({ subscription: e.sub.id, message: q.messageId, attempts: q.attempts, status: r.status, error: r.error }, 'push failed for PUSH_RETRY_FOR_S: given up');
      return;
    }
    q.nextAt = Math.min(now + backoffMs(q.attempts, this.o.retryBaseMs, this.o.retryMaxMs), q.firstFailedAt + this.o.retryForMs);
  }

  /** Runs the retries until the signal aborts; the in-flight ones finish first. */
  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      const next = await this.runDue();
      if (signal.aborted) break;
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(t);
          signal.removeEventListener('abort', done);
          this.wake = undefined;
          resolve();
        };
        const t = setTimeout(done, next === null ? 1000 : Math.max(0, next - this.now()));
        signal.addEventListener('abort', done);
        this.wake = done;
      });
    }
  }
}
