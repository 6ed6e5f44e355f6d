// The VAPID key pair push runs with (docs/push.md): VAPID_PUBLIC_KEY + VAPID_PRIVATE_KEY when set;
// else, outside production, a pair generated once into DATA_DIR/vapid-keys.json (like the dev
// secret, src/auth/dev-secret.ts) so `npm start` has push working; else none (push off).
// Keep the file: a new pair invalidates every browser subscription made with the old one.
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../config.js';

export interface ResolvedVapid {
  publicKey: string;
  privateKey: string;
  subject: string;
  /** Where it came from, for the start-up banner. */
  describe: string;
}

export function vapidKeysPath(config: Config): string {
  return path.join(config.dataDir, 'vapid-keys.json');
}

/** Null when push is off (PUSH_ENABLED=false, or production without keys). Throws when only one half is set. */
export function resolveVapid(config: Config, generate: () => { publicKey: string; privateKey: string }): ResolvedVapid | null {
  if (!config.pushEnabled) return null;
  const { vapidPublicKey: pub, vapidPrivateKey: priv, vapidSubject: subject } = config;
  if (pub && priv) return { publicKey: pub, privateKey: priv, subject, describe: 'VAPID_PUBLIC_KEY' };
  if (pub || priv) throw new Error('set both VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY (`strata vapid-keys` prints a pair), or neither');
  if (config.nodeEnv === 'production') return null;
  const file = vapidKeysPath(config);
  if (fs.existsSync(file)) {
    const k = JSON.parse(fs.readFileSync(file, 'utf8')) as { publicKey: string; privateKey: string };
    return { ...k, subject, describe: file };
  }
  fs.mkdirSync(config.dataDir, { recursive: true });
  const k = generate();
  fs.writeFileSync(file, `${JSON.stringify(k)}\n`, { mode: 0o600 });
  return { ...k, subject, describe: `${file} (generated now)` };
}
