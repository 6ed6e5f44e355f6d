// buildApp(deps): every REST route, hook and the WebSocket upgrade of the API on one fastify
// instance, over the use-cases of buildServices (services.ts). It never listens: src/main/api.ts
// does, tests call app.inject(). Every /v1 route needs a valid token; health, readiness,
// metrics and docs do not.
import { randomUUID } from 'node:crypto';
import Fastify, { LogController, type FastifyInstance, type FastifyRequest } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { archiveJobRoutes } from './archive/routes.js';
import { gdprRoutes } from './gdpr/routes.js';
import type { Principal } from './auth/tokens.js';
import { changeRoutes } from './changes/routes.js';
import { conversationRoutes } from './conversations/routes.js';
import type { Deps } from './deps.js';
import { AppError } from './errors.js';
import { asyncApiRoute, ASYNCAPI_PATH } from './http/asyncapi.js';
import { frameworkErrors, installProblemHandlers, sendProblem } from './http/problem.js';
import { installStrictQueryNumbers } from './http/strict-query.js';
import { installValidation } from './http/validation.js';
import { messageRoutes } from './messages/routes.js';
import { resumeHandler, sendHandler } from './messages/ws-handlers.js';
import { presenceRoutes } from './presence/routes.js';
import { typingHandler } from './presence/typing.js';
import { reactHandler, reactionRoutes } from './reactions/routes.js';
import { threadRoutes } from './threads/routes.js';
import { searchRoutes } from './search/routes.js';
import { pinRoutes } from './pins/routes.js';
import { webhookRoutes } from './webhooks/routes.js';
import { pushRoutes } from './push/routes.js';
import { moderationRoutes } from './moderation/rules-routes.js';
import { auditRoutes } from './audit/routes.js';
import { blocklistRoutes } from './moderation/blocklist-routes.js';
import { blockRoutes } from './moderation/blocks-routes.js';
import { reportRoutes } from './moderation/reports-routes.js';
import { attachmentRoutes } from './attachments/routes.js';
import { readHandler, receiptRoutes } from './receipts/routes.js';
import { buildServices, SERVICE_DEFAULTS, type ServiceOptions, type Services } from './services.js';
import { adminRoutes } from './workers/admin-routes.js';
import { FrameRouter } from './ws/frames.js';
import { registerGateway, TRANSPORT_DEFAULTS, type TransportOptions } from './ws/gateway.js';
import { pingHandler } from './ws/ping.js';

export type { Services } from './services.js';

declare module 'fastify' {
  interface FastifyRequest {
    user: Principal;
  }
}

/** Everything the real-time side can be tuned with (docs/websocket.md); defaults below. */
export interface GatewayOptions extends TransportOptions, ServiceOptions {
  /** Most messages one `resume` replays; more missing → RESUME_TOO_FAR. */
  resumeMax: number;
  typingExpiresMs: number;
  typingMinIntervalMs: number;
}

export const GATEWAY_DEFAULTS: Omit<GatewayOptions, 'nodeId'> = {
  ...TRANSPORT_DEFAULTS, ...SERVICE_DEFAULTS, resumeMax: 1000, typingExpiresMs: 6000, typingMinIntervalMs: 2000,
};

export interface BuildOptions {
  gateway?: Partial<GatewayOptions>;
  /** Extra registration besides the API (the web page). */
  plugins?: ((app: FastifyInstance, services: Services) => void | Promise<void>)[];
}

// `/`, `/static/`, `/sw.js` (the web page and its service worker) and `/dev/token` (dev-only, absent
// in production) sign in by themselves; `/v1/uploads/{id}?…` (the embedded store's signed upload and
// download URLs) carry their own signature.
const PUBLIC = /^\/(healthz|readyz|metrics|docs)(\/|$|\?)|^\/(\?|$)|^\/static\/|^\/sw\.js$|^\/dev\/token$|^\/v1\/uploads\/[^/?]+(\?|$)/;

/**
 * The bearer token: `Authorization: Bearer …` (the scheme is case-insensitive, RFC 7235), or on
 * the WebSocket upgrade only `?access_token=` (browsers cannot set headers there). Never from
 * the query of a REST call: URLs end up in logs and proxies.
 */
export function bearerToken(req: FastifyRequest): string | undefined {
  const h = req.headers.authorization;
  if (h) return /^bearer[ \t]+(\S+)[ \t]*$/i.exec(h)?.[1];
  if (!req.headers.upgrade || req.url.split('?')[0] !== '/v1/ws') return undefined;
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
    requestTimeout: config.requestTimeoutS * 1000,
    // how often node checks requests and headers against their timeouts (its default is 30 s)
    http: { connectionsCheckingInterval: Math.min(2000, config.requestTimeoutS * 500) },
    frameworkErrors,
    // unique across nodes and restarts: the audit log records it (docs/moderation.md#audit-log)
    genReqId: () => randomUUID(),
  });
  app.server.headersTimeout = Math.min(config.headersTimeoutS, config.requestTimeoutS) * 1000;
  installProblemHandlers(app);
  installValidation(app);
  installStrictQueryNumbers(app);

  await app.register(swagger, {
    openapi: {
      info: {
        title: 'Strata API', version: '1',
        description: 'Real-time chat backend. Errors are application/problem+json with a stable `code` (docs/errors.md). '
          + `The WebSocket protocol (\`GET /v1/ws\`) is described as AsyncAPI 3.0 at [${ASYNCAPI_PATH}](${ASYNCAPI_PATH}).`,
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
    },
    // Shared schemas keep their $id as their component name (Message, not def-0) for code generators.
    refResolver: { buildLocalReference: (json, _base, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  asyncApiRoute(app);

  // set once the services are built (below), before the app takes its first request
  let appBans: Services['appBans'] | undefined;
  app.addHook('onRequest', async (req, reply) => {
    if (PUBLIC.test(req.url)) return;
    const token = bearerToken(req);
    if (!token) return sendProblem(reply, new AppError('UNAUTHENTICATED', 'missing bearer token'));
    try {
      req.user = await deps.auth.verify(token);
    } catch (e) {
      return sendProblem(reply, e instanceof AppError ? e : new AppError('UNAUTHENTICATED', 'invalid token'));
    }
    // an app-wide ban (or the user's erase running) refuses every request of the user, the
    // WebSocket upgrade too (docs/moderation.md, docs/gdpr.md)
    try {
      await appBans?.check(req.user.user);
    } catch (e) {
      return sendProblem(reply, e instanceof AppError ? e : new AppError('UNAVAILABLE', 'ban check failed'));
    }
  });

  // API answers are never cached and never sniffed as another type; each names its request id
  // (the server log's reqId, and the audit log's request_id).
  app.addHook('onSend', async (req, reply, payload) => {
    reply.header('x-content-type-options', 'nosniff');
    reply.header('x-request-id', req.id);
    if (!/^\/(static\/|docs(\/|$)|\?|$)/.test(req.url)) reply.header('cache-control', 'no-store');
    return payload;
  });

  // One structured line per request, with latency; never the token or the query string.
  app.addHook('onResponse', async (req, reply) => {
    const route = req.routeOptions.url ?? 'unknown';
    deps.metrics.httpRequests.inc({ method: req.method, route, status: reply.statusCode });
    req.log.info({ method: req.method, route, path: req.url.split('?')[0], status: reply.statusCode, ms: Math.round(reply.elapsedTime * 100) / 100, user: req.user?.user }, 'request');
  });

  const o = { ...GATEWAY_DEFAULTS, ...opts.gateway };
  const services = buildServices(deps, app.log, o);
  const { ingest, history, edits, receipts, reactions } = services;
  appBans = services.appBans;
  app.addHook('onClose', async () => services.close());

  app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { schema: { hide: true } }, async (_req, reply) => {
    const checks = await Promise.allSettled([deps.store.ping(), deps.hot.ping()]);
    const [store, hot] = checks.map((c) => (c.status === 'fulfilled' ? 'ok' : 'unreachable'));
    const ready = store === 'ok' && hot === 'ok';
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', store, hot });
  });
  app.get('/metrics', { schema: { hide: true } }, async (_req, reply) =>
    reply.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics()));

  conversationRoutes(app, services.conversations);
  changeRoutes(app, { changes: services.changes, sync: services.sync, requireMember: (c, u) => services.access.requireMember(c, u) });
  messageRoutes(app, config, ingest, history, edits, (c, u, seq) => receipts.delivered(c, u, seq));
  receiptRoutes(app, receipts);
  reactionRoutes(app, reactions);
  threadRoutes(app, services.threads);
  searchRoutes(app, services.search);
  pinRoutes(app, services.pins);
  attachmentRoutes(app, config, services.attachments);
  presenceRoutes(app, services.presence);
  adminRoutes(app, deps);
  webhookRoutes(app, services.webhooks);
  pushRoutes(app, services.push);
  moderationRoutes(app, services.rules, services.appBans);
  auditRoutes(app, services.audit);
  blocklistRoutes(app, services.blocklist);
  reportRoutes(app, services.reports);
  blockRoutes(app, services.blocks);
  archiveJobRoutes(deps)(app);
  gdprRoutes(app, deps);

  // The WebSocket: the same use-cases behind frames.
  const router = new FrameRouter(o.maxFrameBytes, (err, conn) => app.log.error({ err, user: conn.user }, 'frame handler failed'))
    .register('send', sendHandler(ingest, config.maxTextChars))
    .register('resume', resumeHandler(deps, history, services.changes, (c, u) => services.access.requireMember(c, u), o.resumeMax, (c, u, s) => receipts.delivered(c, u, s)))
    .register('read', readHandler(receipts))
    .register('react', reactHandler(reactions))
    .register('typing', typingHandler(services.access, deps.fanout, { expiresMs: o.typingExpiresMs, minIntervalMs: o.typingMinIntervalMs }))
    .register('ping', pingHandler)
    .guard((user) => services.appBans.check(user));
  await registerGateway(app, {
    fanout: deps.fanout,
    router,
    conversationsOf: async (user) => (await deps.store.listConversations(user)).map((c) => c.id),
    presence: services.presence,
    delivered: (conversationId, seq, users) => {
      for (const u of users) receipts.delivered(conversationId, u, seq);
    },
    registry: deps.metrics.registry,
    bannedAmong: (users) => services.appBans.bannedAmong(users),
  }, o);

  for (const plugin of opts.plugins ?? []) await plugin(app, services);
  return { app, services };
}
