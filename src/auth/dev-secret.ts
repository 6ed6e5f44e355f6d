// The embedded default's signing secret: generated into DATA_DIR/dev-secret on first start so
// `npm start` works with no configuration. Production (NODE_ENV=production) never gets here:
// config.ts refuses to start without AUTH_JWT_SECRET or AUTH_JWKS_URL.
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Config } from '../config.js';

export function devSecretPath(config: Config): string {
  return path.join(config.dataDir, 'dev-secret');
}

/** Returns the configured secret, or the dev secret (creating it when `create`). */
export function resolveSecret(config: Config, create: boolean): { secret: string; generated: boolean; file?: string } | null {
  if (config.authJwtSecret) return { secret: config.authJwtSecret, generated: false };
  const file = devSecretPath(config);
  if (fs.existsSync(file)) return { secret: fs.readFileSync(file, 'utf8').trim(), generated: false, file };
  if (!create) return null;
  fs.mkdirSync(config.dataDir, { recursive: true });
  const secret = randomBytes(32).toString('base64url');
  fs.writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return { secret, generated: true, file };
}
