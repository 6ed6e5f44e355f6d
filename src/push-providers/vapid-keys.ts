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
  const read = () => JSON.parse(fs.readFileSync(file, 'utf8')) as { publicKey: string; privateKey: string };
  if (fs.existsSync(file)) return { ...readWhole(read), subject, describe: file };
  fs.mkdirSync(config.dataDir, { recursive: true });
  const k = generate();
  try {
    // 'wx': two processes starting at once each generate a pair; the first write wins, the other reads it
    fs.writeFileSync(file, `${JSON.stringify(k)}\n`, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    return { ...readWhole(read), subject, describe: file };
  }
  return { ...k, subject, describe: `${file} (generated now)` };
}

/** The other process's file, once its write is complete (it is created empty, then written). */
function readWhole(read: () => { publicKey: string; privateKey: string }): { publicKey: string; privateKey: string } {
  for (let i = 0; ; i++) {
    try {
      return read();
    } catch (err) {
      if (i >= 50) throw err;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20); // start-up only: a short synchronous wait for the writer
    }
  }
}
