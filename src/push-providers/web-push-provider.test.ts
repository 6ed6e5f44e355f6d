import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createECDH, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Config } from '../config.js';
import type { PushSubscription } from '../store/push-store.js';
import { resolveVapid, vapidKeysPath } from './vapid-keys.js';
import { generateVapidKeys, WebPushProvider } from './web-push-provider.js';

function subscription(endpoint: string): PushSubscription {
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  return { id: 's', user: 'u', endpoint, p256dh: ecdh.getPublicKey().toString('base64url'), auth: randomBytes(16).toString('base64url'), user_agent: null, created_at: '' };
}

describe('WebPushProvider', () => {
  it('signs one VAPID JWT per push service origin and reuses it (12 h valid)', async () => {
    const auth: Record<string, string[]> = {};
    const provider = new WebPushProvider({ ...generateVapidKeys(), subject: 'mailto:ops@strata.test' }, async (url, headers) => {
      (auth[new URL(url).origin] ??= []).push(headers.Authorization);
      return { ok: true, status: 201, error: null, latencyMs: 1 };
    });
    const opts = { ttlS: 60, urgency: 'normal' as const, timeoutMs: 1000 };
    for (const e of ['https://fcm.googleapis.com/fcm/send/a', 'https://fcm.googleapis.com/fcm/send/b', 'https://updates.push.services.mozilla.com/wpush/v2/c']) {
      expect((await provider.send(subscription(e), '{}', opts)).ok).toBe(true);
    }
    const fcm = auth['https://fcm.googleapis.com'];
    expect(fcm).toHaveLength(2);
    expect(fcm[0]).toBe(fcm[1]);
    expect(auth['https://updates.push.services.mozilla.com'][0]).not.toBe(fcm[0]);
    const jwt = /t=([^,]+)/.exec(fcm[0])![1];
    const claims = JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString()) as { aud: string; exp: number };
    expect(claims.aud).toBe('https://fcm.googleapis.com');
    expect(claims.exp - Date.now() / 1000).toBeGreaterThan(11 * 3600);
  });

  it('never sends to an endpoint on an IP literal or an internal name (a subscription saved before the checks): removed as gone', async () => {
    let posts = 0;
    const provider = new WebPushProvider({ ...generateVapidKeys(), subject: 'mailto:ops@strata.test' }, async () => {
      posts++;
      return { ok: true, status: 201, error: null, latencyMs: 1 };
    });
    for (const e of ['https://169.254.169.254/latest', 'https://10.0.0.5/x', 'https://metadata.google.internal/x', 'http://10.0.0.5/x']) {
      const r = await provider.send(subscription(e), '{}', { ttlS: 60, urgency: 'normal', timeoutMs: 1000 });
      expect(r, e).toMatchObject({ ok: false, gone: true, retryable: false });
    }
    expect(posts).toBe(0);
  });
});

describe('the generated VAPID pair', () => {
  it('two processes starting at once: the second one\'s write fails (wx) and it uses the pair on disk', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-vapid-'));
    const config = { pushEnabled: true, nodeEnv: 'development', dataDir: dir, vapidSubject: 'mailto:a@b.c' } as Config;
    const first = generateVapidKeys();
    const mine = generateVapidKeys();
    // the other process writes its pair between this one's existence check and its write
    const v = resolveVapid(config, () => {
      fs.writeFileSync(vapidKeysPath(config), JSON.stringify(first));
      return mine;
    });
    expect(v?.publicKey).toBe(first.publicKey);
    expect(JSON.parse(fs.readFileSync(vapidKeysPath(config), 'utf8')).publicKey).toBe(first.publicKey);
    expect(resolveVapid(config, () => mine)?.publicKey).toBe(first.publicKey);
    fs.rmSync(dir, { recursive: true });
  });
});
