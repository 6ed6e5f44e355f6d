// The push fan-out: the `Send` of the internal webhook endpoint `push` (delivery.ts), so every
// message change reaches it from the persisted change log, per conversation in cursor order,
// retried with backoff until it succeeds (at least once), across restarts (docs/push.md).
//
// For one message: wait until created_at + PUSH_DELAY_MS, then for each member but the sender:
// skip when muted, notify=none, notify=mentions and not mentioned, or when their delivered (or
// read) watermark has reached the message's seq (one of their sockets got it: the gateway
// records that through the receipt batcher, whose flush interval is far below the delay).
// The rest get a small JSON payload on each of their subscriptions. Nothing of a message deleted
// meanwhile is sent. Per subscription: 2xx done; 404/410 → the subscription is removed; 429,
// 5xx, no answer → the whole attempt fails (retried later), and the subscriptions that already
// succeeded for this change are remembered (in this process) so a retry does not send to them
// again; any other answer → logged and dropped for that subscription.
import type { Metrics } from '../http/metrics.js';
import type { Message } from '../model/message.js';
import type { ReceiptStore } from '../store/receipt-store.js';
import type { PushStore, PushSubscription } from '../store/push-store.js';
import type { Store } from '../store/store.js';
import type { Send, SendResult } from '../http/sender.js';
import type { PushProvider, PushResult } from '../push-providers/push-provider.js';

export interface FanoutOptions {
  delayMs: number;
  previewChars: number;
  ttlS: number;
  timeoutMs: number;
  /** A message older than this (after the delay) is stale: not pushed. */
  maxAgeMs: number;
}

export interface FanoutDeps {
  store: Pick<Store, 'getConversation' | 'getMessage'>;
  receipts: Pick<ReceiptStore, 'watermarks'>;
  push: PushStore;
  provider: PushProvider;
  metrics?: Pick<Metrics, 'pushNotifications' | 'pushSkipped' | 'pushSendSeconds' | 'pushLagSeconds'>;
  log: { warn(obj: object, msg?: string): void };
}

/** Most changes whose partial successes are remembered; beyond, the oldest are forgotten (a retry then repeats them: at least once). */
const MAX_REMEMBERED = 10_000;
/** Pushes of one change in flight at once. */
const PARALLEL = 16;

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
  /** webhook-id → subscriptions that got this change already (partial success of a failed attempt). */
  private readonly done = new Map<string, Set<string>>();

  constructor(private readonly d: FanoutDeps, private readonly o: FanoutOptions) {}

  readonly send: Send = async (_url, headers, body) => {
    const t0 = Date.now();
    const ok = (status: number): SendResult => ({ ok: true, status, error: null, latencyMs: Date.now() - t0 });
    const change = JSON.parse(typeof body === 'string' ? body : body.toString('utf8')) as { type: string; data: { message?: Message } };
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
    const id = headers['webhook-id'] ?? `${m.conversation_id}:${m.version}`;
    const already = this.done.get(id) ?? new Set<string>();
    const subs = (await this.d.push.subscriptionsOf(recipients)).filter((s) => !already.has(s.id));
    const withSubs = new Set(subs.map((s) => s.user));
    if (already.size === 0) this.skip('no_subscription', recipients.filter((u) => !withSubs.has(u)).length);
    const failed: PushResult[] = [];
    for (let i = 0; i < subs.length; i += PARALLEL) {
      await Promise.all(subs.slice(i, i + PARALLEL).map(async (s) => {
        const r = await this.pushOne(s, m, created);
        if (r.retryable) failed.push(r);
        else already.add(s.id);
      }));
    }
    if (failed.length === 0) {
      this.done.delete(id);
      return ok(subs.length ? 201 : 204);
    }
    this.remember(id, already);
    const last = failed[failed.length - 1];
    return { ok: false, status: last.status, error: `${failed.length} of ${subs.length} pushes failed: ${last.error ?? `answered ${last.status}`}`.slice(0, 500), latencyMs: Date.now() - t0 };
  };

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

  private async pushOne(s: PushSubscription, m: Message, created: number): Promise<PushResult> {
    const mentioned = m.mentions.includes(s.user);
    const r = await this.d.provider.send(s, payloadOf(m, s.user, this.o.previewChars), { ttlS: this.o.ttlS, urgency: mentioned ? 'high' : 'normal', timeoutMs: this.o.timeoutMs });
    const outcome = r.ok ? 'sent' : r.gone ? 'gone' : r.retryable ? 'retry' : 'dropped';
    this.d.metrics?.pushNotifications.inc({ outcome });
    this.d.metrics?.pushSendSeconds.observe({ result: r.ok ? 'ok' : 'failed' }, r.latencyMs / 1000);
    if (r.ok) this.d.metrics?.pushLagSeconds.observe(Math.max(0, Date.now() - created) / 1000);
    if (r.gone) {
      await this.d.push.removeSubscriptionById(s.id);
    } else if (!r.ok && !r.retryable) {
      this.d.log.warn({ subscription: s.id, user: s.user, status: r.status, error: r.error }, 'push refused by the push service; dropped for this subscription');
    }
    return r;
  }

  private skip(reason: 'muted' | 'notify' | 'online' | 'deleted' | 'stale' | 'no_subscription', n = 1): void {
    if (n > 0) this.d.metrics?.pushSkipped.inc({ reason }, n);
  }

  private remember(id: string, subs: Set<string>): void {
    this.done.delete(id);
    this.done.set(id, subs);
    while (this.done.size > MAX_REMEMBERED) this.done.delete(this.done.keys().next().value as string);
  }
}
