// The webhook request's bytes and the retry schedule: signatures equal what the Standard
// Webhooks reference library (`standardwebhooks`) computes and verifies; secrets are whsec_ +
// 24–64 bytes; backoff doubles up to its cap, jittered to 50–100 %, and never passes the
// retry period's end.
import { describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { afterFailure, backoffMs } from './deliverer.js';
import { newSecret, secretKey, signatureHeader, webhookBody, webhookHeaders, webhookId } from './signing.js';

describe('webhook signing', () => {
  const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

  it('signs as the reference library does, and the library verifies it', () => {
    const body = webhookBody({ type: 'message', cursor: 7, json: '{"type":"message","cursor":7,"message":{"id":"x"}}', stored_at: '2026-04-01T00:00:00.000Z' }, 'c1');
    expect(body).toBe('{"type":"message","timestamp":"2026-04-01T00:00:00.000Z","conversation_id":"c1","cursor":7,"data":{"type":"message","cursor":7,"message":{"id":"x"}}}');
    const ts = Math.floor(Date.now() / 1000);
    const id = webhookId('c1', 7);
    expect(id).toBe('msg_c1_7');
    expect(signatureHeader([secret], id, ts, body)).toBe(new Webhook(secret).sign(id, new Date(ts * 1000), body));
    const headers = webhookHeaders([secret], id, ts, body);
    expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
    // a rotation: two signatures, either secret verifies
    const next = newSecret();
    const both = webhookHeaders([next, secret], id, ts, body);
    expect(both['webhook-signature'].split(' ')).toHaveLength(2);
    expect(new Webhook(next).verify(body, both)).toBeTruthy();
    expect(new Webhook(secret).verify(body, both)).toBeTruthy();
    expect(() => new Webhook(newSecret()).verify(body, both)).toThrow();
    expect(() => new Webhook(secret).verify(`${body} `, headers)).toThrow();
  });

  it('secrets are whsec_ + base64 of 24 to 64 bytes', () => {
    expect(secretKey(newSecret())?.length).toBe(32);
    expect(secretKey(`whsec_${Buffer.alloc(24, 1).toString('base64')}`)?.length).toBe(24);
    expect(secretKey(`whsec_${Buffer.alloc(64, 1).toString('base64')}`)?.length).toBe(64);
    for (const bad of [`whsec_${Buffer.alloc(23, 1).toString('base64')}`, `whsec_${Buffer.alloc(65, 1).toString('base64')}`, Buffer.alloc(32).toString('base64'),
      'whsec_', 'whsec_not base64 at all!!!!!!!!!!!!!!!!!!!', `whsec_${Buffer.alloc(33, 0xff).toString('base64url')}`]) expect(secretKey(bad), bad).toBeNull();
  });
});

describe('retry schedule', () => {
  const o = { retryForMs: 10_000, retryBaseMs: 100, retryMaxMs: 1000 };

  it('doubles from the base up to the cap, jittered to 50–100 %', () => {
    expect([1, 2, 3, 4, 5, 50].map((n) => backoffMs(n, 100, 1000, () => 1))).toEqual([100, 200, 400, 800, 1000, 1000]);
    expect([1, 2, 3, 4, 5, 50].map((n) => backoffMs(n, 100, 1000, () => 0))).toEqual([50, 100, 200, 400, 500, 500]);
    for (let i = 0; i < 100; i++) {
      const d = backoffMs(3, 100, 1000);
      expect(d).toBeGreaterThanOrEqual(200);
      expect(d).toBeLessThanOrEqual(400);
    }
  });

  it('retries until the period since the first failure is over, the last attempt at its end; then gives up', () => {
    const since = 1_000_000;
    const r1 = afterFailure(since, 1, since, o);
    expect(r1.dead).toBe(false);
    if (!r1.dead) expect(r1.nextAttemptAt - since).toBeGreaterThanOrEqual(50);
    const late = afterFailure(since + 9_900, 20, since, o);
    expect(late).toEqual({ dead: false, nextAttemptAt: since + 10_000 });
    expect(afterFailure(since + 10_000, 21, since, o)).toEqual({ dead: true });
  });
});
