// `POST /dev/token {user, admin?}` → `{token}`: lets the page sign in as anyone on a development
// server, as an operator too (`admin: true`: the report queue; on a server where anyone may
// sign in as anyone, being an operator adds nothing an attacker lacks). Registered ONLY when NODE_ENV !== 'production' (web-plugin.ts) and only when tokens
// are HS256-signed by this server (AUTH_JWT_SECRET or the generated dev secret); with a JWKS
// identity provider the server cannot mint tokens and the route does not exist.
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { Config } from '../config.js';
import { resolveSecret } from '../auth/dev-secret.js';
import { mintToken } from '../auth/tokens.js';
import { UserId } from '../conversations/schemas.js';

export const DevTokenBody = Type.Object({ user: UserId, admin: Type.Optional(Type.Boolean()) }, { additionalProperties: false });

export function devTokenRoute(app: FastifyInstance, config: Config) {
  if (config.authJwksUrl) return;
  const secret = resolveSecret(config, false)?.secret;
  if (!secret) return;
  app.post<{ Body: { user: string; admin?: boolean } }>('/dev/token', {
    schema: { hide: true, body: DevTokenBody, response: { 200: Type.Object({ token: Type.String() }) } },
  }, async (req) => ({ token: await mintToken(secret, req.body.user, { admin: req.body.admin === true, ttlS: 12 * 3600, issuer: config.authIssuer, audience: config.authAudience }) }));
}
