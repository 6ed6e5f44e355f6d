// Serves the chat page at `/` and its bundle under `/static/` (both public: the page signs in
// by itself), plus the dev-only token endpoint outside production. The bundle is built at
// registration, so a broken page fails the start instead of the first visit.
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config.js';
import { webAssets } from './bundle.js';
import { devTokenRoute } from './dev-token.js';

/** The page talks to its own origin only (REST + WebSocket), and to the S3 endpoint when the
 *  attachments live there: the browser PUTs uploads to it and shows images from it (signed URLs). */
export function contentSecurityPolicy(config: Config): string {
  const store = objectStoreOrigins(config).join(' ');
  const plus = store ? ` ${store}` : '';
  return `default-src 'none'; script-src 'self'; worker-src 'self'; style-src 'self'; img-src 'self' data:${plus}; connect-src 'self'${plus}; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`;
}

/** Where signed attachment URLs point when ARCHIVE_URL is S3 (the embedded store's are the page's own origin). */
function objectStoreOrigins(config: Config): string[] {
  if (!config.archiveUrl?.startsWith('s3:')) return [];
  const bucket = new URL(config.archiveUrl).hostname;
  const base = new URL(config.s3Endpoint ?? `https://s3.${config.s3Region}.amazonaws.com`);
  return config.s3ForcePathStyle ? [base.origin] : [base.origin, `${base.protocol}//${bucket}.${base.host}`];
}

export function webPlugin(config: Config) {
  return async (app: FastifyInstance) => {
    const assets = await webAssets();
    const csp = contentSecurityPolicy(config);
    for (const [url, a] of assets) {
      app.get(url, { schema: { hide: true } }, async (req, reply) => {
        reply.header('etag', a.etag).header('cache-control', 'no-cache').header('x-content-type-options', 'nosniff');
        if (url === '/') reply.header('content-security-policy', csp).header('referrer-policy', 'no-referrer');
        // the worker fetches nothing; served at the root, its scope is the whole page
        if (url === '/sw.js') reply.header('content-security-policy', "default-src 'none'").header('service-worker-allowed', '/');
        if (req.headers['if-none-match'] === a.etag) return reply.code(304).send();
        return reply.type(a.type).send(a.body);
      });
    }
    if (config.nodeEnv !== 'production') devTokenRoute(app, config);
  };
}
