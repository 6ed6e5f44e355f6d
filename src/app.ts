// buildApp(deps): every route and hook of the API on one fastify instance. It never listens:
// src/main/api.ts does, tests call app.inject(). Every /v1 route needs a valid token; health,
// readiness, metrics and docs do not.
import Fastify, { LogController, type FastifyInstance, type FastifyRequest } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { Principal } from './auth/tokens.js';
import { Access } from './conversations/access.js';
import { conversationRoutes } from './conversations/routes.js';
import { ConversationService } from './conversations/service.js';
import type { Deps } from './deps.js';
import { AppError } from './errors.js';
import { installProblemHandlers, sendProblem } from './http/problem.js';
import { installValidation } from './http/validation.js';
import { EditService } from './messages/edits.js';
import { HistoryService, type ColdReader } from './messages/history.js';
import { IngestService } from './messages/ingest.js';
import { messageRoutes } from './messages/routes.js';
import { adminRoutes } from './workers/admin-routes.js';
import { exportRoutes } from './archive/routes.js';

declare module 'fastify' {
  interface FastifyRequest {
    user: Principal;
  }
}

export interface Services {
  access: Access;
  conversations: ConversationService;
  ingest: IngestService;
  history: HistoryService;
  edits: EditService;
}

export interface BuildOptions {
  /** Overrides deps.archive as the history's cold reader (tests). */
  cold?: ColdReader;
  /** Extra route/plugin registration (the WS gateway, the archive's export routes). */
  plugins?: ((app: FastifyInstance, services: Services) => void | Promise<void>)[];
}

// `/`, `/static/` (the web page) and `/dev/token` (dev-only, absent in production) sign in by themselves.
const PUBLIC = /^\/(healthz|readyz|metrics|docs)(\/|$|\?)|^\/(\?|$)|^\/static\/|^\/dev\/token$/;

export function bearerToken(req: FastifyRequest): string | undefined {
  const h = req.headers.authorization;
  if (h?.startsWith('Bearer ')) return h.slice(7).trim();
  const q = (req.query as Record<string, unknown> | undefined)?.access_token;
  return typeof q === 'string' ? q : undefined;
}

export async function buildApp(deps: Deps, opts: BuildOptions = {}): Promise<{ app: FastifyInstance; services: Services }> {
  const { config } = deps;
  const app = Fastify({
    logger: config.logLevel === 'silent' ? false : { level: config.logLevel, redact: ['req.headers.authorization'] },
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: config.bodyLimitBytes,
    trustProxy: true,
  });
  installProblemHandlers(app);
  installValidation(app);

  await app.register(swagger, {
    openapi: {
      info: { title: 'Strata API', version: '1', description: 'Real-time chat backend. Errors are application/problem+json with a stable `code` (docs/errors.md).' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  app.addHook('onRequest', async (req, reply) => {
    if (PUBLIC.test(req.url)) return;
    const token = bearerToken(req);
    if (!token) return sendProblem(reply, new AppError('UNAUTHENTICATED', 'missing bearer token'));
    try {
      req.user = await deps.auth.verify(token);
    } catch (e) {
      return sendProblem(reply, e instanceof AppError ? e : new AppError('UNAUTHENTICATED', 'invalid token'));
    }
  });

  // One structured line per request, with latency; never the token or the query string.
  app.addHook('onResponse', async (req, reply) => {
    const route = req.routeOptions.url ?? 'unknown';
    deps.metrics.httpRequests.inc({ method: req.method, route, status: reply.statusCode });
    req.log.info({ method: req.method, route, path: req.url.split('?')[0], status: reply.statusCode, ms: Math.round(reply.elapsedTime * 100) / 100, user: req.user?.user }, 'request');
  });

  const access = new Access(deps.store);
  const conversations = new ConversationService(deps.store, deps.hot, access);
  const ingest = new IngestService(deps, access);
  const history = new HistoryService(deps, access, opts.cold ?? deps.archive);
  const edits = new EditService(deps, access, ingest);
  const services: Services = { access, conversations, ingest, history, edits };

  app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { schema: { hide: true } }, async (_req, reply) => {
    const checks = await Promise.allSettled([deps.store.ping(), deps.hot.ping()]);
    const [store, hot] = checks.map((c) => (c.status === 'fulfilled' ? 'ok' : 'unreachable'));
    const ready = store === 'ok' && hot === 'ok';
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', store, hot });
  });
  app.get('/metrics', { schema: { hide: true } }, async (_req, reply) =>
    reply.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics()));

  conversationRoutes(app, conversations);
  messageRoutes(app, config, ingest, history, edits);
  adminRoutes(app, deps);
  exportRoutes(deps)(app);
  for (const plugin of opts.plugins ?? []) await plugin(app, services);
  return { app, services };
}
