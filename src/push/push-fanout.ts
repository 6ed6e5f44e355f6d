// The push fan-out: the `Send` of the internal webhook endpoint `push` (delivery.ts), so every
// message change reaches it from the persisted change log, per conversation in cursor order, and
// the stream moves on only once this returned (at least once across restarts, docs/push.md).
//
// For one message: wait until created_at + PUSH_DELAY_MS, then for each member but the sender:
// skip when muted, notify=none, notify=mentions and not mentioned, or when their delivered (or
// read) watermark has reached the message's seq (one of their sockets got it: the gateway
// records that through the receipt batcher, whose flush interval is far below the delay).
// The rest get a small JSON payload, built from the message as it is NOW (an edit within the
// window is pushed edited; nothing of a message deleted meanwhile is sent), on each of their
// subscriptions. Per subscription: 2xx done; 404/410 → the subscription is removed; any other
// 4xx → logged and dropped for that subscription; 429, 5xx, no answer → queued for that
// subscription alone (push-retry.ts). So the change is done once every subscription was tried:
// it never fails, and one broken push service never holds back the conversation. The whole
// fan-out stays within the timeout the deliverer gives it (PUSH_DELAY_MS + PUSH_TIMEOUT_MS): a
// subscription it had no time left for is queued as well.
import type { Metrics } from '../http/metrics.js';
import type { Message } from '../model/message.js';
import type { ReceiptStore } from '../store/receipt-store.js';
import type { PushStore, PushSubscription } from '../store/push-store.js';
import type { Store } from '../store/store.js';
import type { Send, SendResult } from '../http/sender.js';
import type { PushProvider, PushResult } from '../push-providers/push-provider.js';
import { PushRetry, type QueuedPush, type RetryOptions } from './push-retry.js';

export interface FanoutOptions {
  delayMs: number;
  previewChars: number;
  ttlS: number;
  timeoutMs: number;
  /** A message older than this (after the delay) is stale: not pushed. */
  maxAgeMs: number;
  retry: RetryOptions;
}

export interface FanoutDeps {
  store: Pick<Store, 'getConversation' | 'getMessage'>;
  receipts: Pick<ReceiptStore, 'watermarks'>;
  push: PushStore;
  provider: PushProvider;
  metrics?: Pick<Metrics, 'pushNotifications' | 'pushSkipped' | 'pushSendSeconds' | 'pushLagSeconds'>;
  log: { warn(obj: object, msg?: string): void };
  now?: () => number;
}

/** Pushes of one change in flight at once. */
const PARALLEL = 16;
/** Time kept back from the deliverer's timeout for the bookkeeping after the pushes. */
const MARGIN_MS = 50;

/** The text cut to `n` code points (never inside a surrogate pair). */
export function preview(text: string | null, n: number): string | null {
  if (text === null || n === 0) return null;
  const cps = Array.from(text);
  return cps.length <= n ? text : `${cps.slice(0, n).join('')}…`;
}

/** The payload a device gets (docs/push.md): small, and nothing beyond what the member may read. */
export function payloadOf(m: Message, user: string, previewChars: number): string {
  return JSON.stringify({
    type: 'message', conversation_id: m.conversation_id, seq: m.seq, message_id: m.id, sender: m.sender, created_at: m.created_at,
    thread_id: m.thread_id, mentioned: m.mentions.includes(user), text: preview(m.text, previewChars), attachments: m.attachments.length,
  });
}

export class PushFanout {
  /** Pushes that failed, per subscription, tried again with backoff (run it with `retry.run(signal)`). */
  readonly retry: PushRetry;

  constructor(private readonly d: FanoutDeps, private readonly o: FanoutOptions) {
    this.retry = new PushRetry({
      attempt: (s, q) => this.again(s, q),
      disable: async (s) => {
        await this.d.push.removeSubscriptionById(s.id);
      },
      log: d.log,
      counted: (outcome) => this.d.metrics?.pushNotifications.inc({ outcome }),
      now: d.now,
    }, o.retry);
  }

  readonly send: Send = async (_url, _headers, body, timeoutMs) => {
    const t0 = Date.now();
    const deadline = t0 + timeoutMs - MARGIN_MS;
    const ok = (status: number): SendResult => ({ ok: true, status, error: null, latencyMs: Date.now() - t0 });
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text === '') return ok(204); // a dead letter of before: push keeps no bodies
    const change = JSON.parse(text) as { type: string; data: { message?: Message } };
    const m = change.data.message;
    if (change.type !== 'message' || !m) return ok(204);
    const created = Date.parse(m.created_at);
    const wait = created + this.o.delayMs - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, Math.min(wait, this.o.delayMs)));
    if (Date.now() - created > this.o.delayMs + this.o.maxAgeMs) {
      this.skip('stale');
      return ok(204);
    }
    const recipients = await this.recipients(m);
    if (recipients.length === 0) return ok(204);
    const current = await this.d.store.getMessage(m.id);
    if (current?.deleted_at) {
      this.skip('deleted', recipients.length);
      return ok(204);
    }
    const msg = current ?? m;
    const subs = await this.d.push.subscriptionsOf(recipients);
    const withSubs = new Set(subs.map((s) => s.user));
    this.skip('no_subscription', recipients.filter((u) => !withSubs.has(u)).length);
    let pushed = 0;
    for (let i = 0; i < subs.length; i += PARALLEL) {
      await Promise.all(subs.slice(i, i + PARALLEL).map(async (s) => {
        const left = deadline - Date.now();
        // behind pushes already queued for it, or no time left: queued, tried by the retries
        if (this.retry.queued(s.id) || left < 1) return this.retry.add(s, m.id, created, false);
        const r = await this.pushOne(s, msg, created, Math.min(this.o.timeoutMs, left));
        if (r.retryable) await this.retry.add(s, m.id, created, true);
        else if (r.ok) pushed++;
      }));
    }
    return ok(pushed ? 201 : 204);
  };

  /** A queued push tried again: the message as it is now, to the subscription if it still exists. */
  private async again(s: PushSubscription, q: QueuedPush): Promise<PushResult | 'skip'> {
    if (Date.now() - q.created > this.o.delayMs + this.o.maxAgeMs + this.o.retry.retryForMs) return 'skip';
    const [current, subs] = await Promise.all([this.d.store.getMessage(q.messageId), this.d.push.subscriptionsOf([s.user])]);
    if (!current || current.deleted_at) return 'skip';
    const now = subs.find((x) => x.id === s.id);
    if (!now) return 'skip'; // unsubscribed, moved or removed meanwhile
    return this.pushOne(now, current, q.created, this.o.timeoutMs);
  }

  /** Members to push to: not the sender, settings allow it, no socket of theirs got the message. */
  private async recipients(m: Message): Promise<string[]> {
    const conv = await this.d.store.getConversation(m.conversation_id);
    if (!conv) return [];
    const others = conv.members.map((x) => x.user).filter((u) => u !== m.sender);
    if (others.length === 0) return [];
    const [settings, marks] = await Promise.all([this.d.push.settingsOf(m.conversation_id), this.d.receipts.watermarks(m.conversation_id)]);
    const seen = new Map(marks.map((w) => [w.user, Math.max(w.delivered, w.read)]));
    const out: string[] = [];
    for (const u of others) {
      const s = settings.get(u);
      if (s?.muted) this.skip('muted');
      else if (s?.notify === 'none' || (s?.notify === 'mentions' && !m.mentions.includes(u))) this.skip('notify');
      else if ((seen.get(u) ?? 0) >= m.seq) this.skip('online');
      else out.push(u);
    }
    return out;
  }

  private async pushOne(s: PushSubscription, m: Message, created: number, timeoutMs: number): Promise<PushResult> {
    const mentioned = m.mentions.includes(s.user);
    const r = await this.d.provider.send(s, payloadOf(m, s.user, this.o.previewChars), { ttlS: this.o.ttlS, urgency: mentioned ? 'high' : 'normal', timeoutMs });
    const outcome = r.ok ? 'sent' : r.gone ? 'gone' : r.retryable ? 'retry' : 'dropped';
    this.d.metrics?.pushNotifications.inc({ outcome });
    this.d.metrics?.pushSendSeconds.observe({ result: r.ok ? 'ok' : 'failed' }, r.latencyMs / 1000);
    if (r.ok) {
      this.d.metrics?.pushLagSeconds.observe(Math.max(0, Date.now() - created) / 1000);
      this.retry.succeeded(s);
    }
    if (r.gone) {
      this.retry.forget(s.id);
      await this.d.push.removeSubscriptionById(s.id);
    } else if (!r.ok && !r.retryable) {
      this.d.log.warn({ subscription: s.id, user: s.user, status: r.status, error: r.error }, 'push refused by the push service; dropped for this subscription');
    }
    return r;
  }

  private skip(reason: 'muted' | 'notify' | 'online' | 'deleted' | 'stale' | 'no_subscription', n = 1): void {
    if (n > 0) this.d.metrics?.pushSkipped.inc({ reason }, n);
  }
}
