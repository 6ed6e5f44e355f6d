// Serves the chat page at `/` and its bundle under `/static/` (both public: the page signs in
// by itself), plus the dev-only token endpoint outside production. The bundle is built at
// registration, so a broken page fails the start instead of the first visit.
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config.js';
import { webAssets } from './bundle.js';
import { devTokenRoute } from './dev-token.js';

// The page talks to its own origin only (REST + WebSocket); nothing else may load.
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

export function webPlugin(config: Config) {
  return async (app: FastifyInstance) => {
    const assets = await webAssets();
    for (const [url, a] of assets) {
      app.get(url, { schema: { hide: true } }, async (req, reply) => {
        reply.header('etag', a.etag).header('cache-control', 'no-cache').header('x-content-type-options', 'nosniff');
        if (url === '/') reply.header('content-security-policy', CSP).header('referrer-policy', 'no-referrer');
        if (req.headers['if-none-match'] === a.etag) return reply.code(304).send();
        return reply.type(a.type).send(a.body);
      });
    }
    if (config.nodeEnv !== 'production') devTokenRoute(app, config);
  };
}
