import { describe, expect, it } from 'vitest';
import type { PushSubscription } from '../store/push-store.js';
import type { PushResult } from '../push-providers/push-provider.js';
import { PushRetry, type QueuedPush } from './push-retry.js';
import { withoutBodies } from './delivery.js';
import type { WebhookStore } from '../store/webhook-store.js';

const sub = (id: string): PushSubscription => ({ id, user: `u-${id}`, endpoint: `https://push.example/${id}`, p256dh: 'k', auth: 'a', user_agent: null, created_at: '2026-01-01T00:00:00.000Z' });
const res = (status: number | null): PushResult => ({
  ok: status !== null && status < 300, status, gone: status === 410, retryable: status === null || status >= 500, error: null, latencyMs: 1,
});

function harness(answer: (s: PushSubscription, q: QueuedPush) => PushResult | 'skip', o: Partial<ConstructorParameters<typeof PushRetry>[1]> = {}) {
  let now = 1_000_000;
  const tried: string[] = [];
  const disabled: string[] = [];
  const counted: string[] = [];
  const r = new PushRetry({
    attempt: async (s, q) => {
      tried.push(`${s.id}:${q.messageId}`);
      return answer(s, q);
    },
    disable: async (s) => {
      disabled.push(s.id);
    },
    log: { warn: () => undefined },
    counted: (x) => counted.push(x),
    now: () => now,
  }, { retryForMs: 60_000, retryBaseMs: 100, retryMaxMs: 1000, maxFailures: 5, disableAfterMs: 10_000, maxPending: 3, maxSubscriptions: 10, ...o });
  return { r, tried, disabled, counted, advance: (ms: number) => (now += ms) };
}

describe('PushRetry: the retries of one subscription', () => {
  it('retries a failed push with backoff until accepted, oldest first; queued pushes go behind; other subscriptions are not involved', async () => {
    let fail = 2;
    const h = harness(() => (fail-- > 0 ? res(500) : res(201)));
    await h.r.add(sub('a'), 'm1', 0, true);
    expect(h.r.queued('a')).toBe(true);
    expect(h.r.queued('b')).toBe(false);
    await h.r.add(sub('a'), 'm2', 0, false);
    expect(await h.r.runDue()).not.toBeNull(); // not due yet: the backoff
    expect(h.tried).toEqual([]);
    for (let i = 0; i < 10 && h.r.size > 0; i++) {
      h.advance(1000);
      await h.r.runDue();
    }
    expect(h.tried).toEqual(['a:m1', 'a:m1', 'a:m1', 'a:m2']);
    expect(h.r.queued('a')).toBe(false);
    expect(h.disabled).toEqual([]);
  });

  it('gives a push up PUSH_RETRY_FOR_S after its first failure; bounded per subscription', async () => {
    const h = harness(() => res(503), { maxFailures: 1000 });
    await h.r.add(sub('a'), 'm1', 0, true);
    for (let i = 0; i < 200 && h.r.size > 0; i++) {
      h.advance(1000);
      await h.r.runDue();
    }
    expect(h.r.size).toBe(0);
    expect(h.counted).toContain('given_up');
    for (const m of ['m2', 'm3', 'm4', 'm5', 'm6']) await h.r.add(sub('b'), m, 0, m === 'm2');
    expect(h.r.size).toBe(3); // maxPending: the oldest went
  });

  it('removes a subscription after maxFailures failures in a row spanning PUSH_DISABLE_AFTER_S; a success in between starts over', async () => {
    let n = 0;
    const h = harness((s) => (s.id === 'flaky' && ++n === 3 ? res(201) : res(500)), { maxFailures: 5, disableAfterMs: 10_000, retryForMs: 3_600_000 });
    await h.r.add(sub('dead'), 'm1', 0, true);
    await h.r.add(sub('flaky'), 'm1', 0, true);
    for (let i = 0; i < 30; i++) {
      h.advance(1000);
      await h.r.runDue();
    }
    expect(h.disabled).toEqual(['dead']);
    expect(h.counted).toContain('disabled');
    expect(h.r.queued('dead')).toBe(false);
  });

  it('a push that is no longer due (deleted message, unsubscribed) is dropped; 410 forgets the subscription', async () => {
    const h = harness((s) => (s.id === 'x' ? 'skip' : res(410)));
    await h.r.add(sub('x'), 'm1', 0, true);
    await h.r.add(sub('y'), 'm1', 0, true);
    h.advance(1000);
    await h.r.runDue();
    expect(h.r.size).toBe(0);
    expect(h.tried).toEqual(['x:m1', 'y:m1']);
  });
});

describe('the push deliverer\'s store', () => {
  it('keeps no body in a push dead letter', async () => {
    const seen: unknown[] = [];
    const store = { recordAttempt: async (_a: unknown, _f: number, o: unknown) => { seen.push(o); return true; } } as unknown as WebhookStore;
    const w = withoutBodies(store);
    await w.recordAttempt({} as never, 0, { kind: 'dead', failingSince: 1, deadLetter: { id: 'd', body: '{"text":"secret"}' } });
    await w.recordAttempt({} as never, 0, { kind: 'delivered' });
    expect(seen).toEqual([{ kind: 'dead', failingSince: 1, deadLetter: { id: 'd', body: '' } }, { kind: 'delivered' }]);
  });
});
