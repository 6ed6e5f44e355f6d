// Push routes (docs/push.md):
//   GET /v1/push/vapid-public-key · POST/GET/DELETE /v1/push/subscriptions
//   GET/PUT /v1/conversations/{id}/settings (members only)
//   GET /v1/admin/push/deliveries (operators: the push deliverer's attempts)
// The schemas check types only; what a value must be (an https endpoint, a P-256 point) is the
// service's, so that each answers its own registry code.
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { FastifyInstance } from 'fastify';
import { requireAdmin } from '../auth/require-admin.js';
import { ConversationParams } from '../conversations/schemas.js';
import { AppError } from '../errors.js';
import { findBadString } from '../model/text.js';
import { NOTIFY_LEVELS } from '../store/push-store.js';
import type { PushService } from './service.js';

const Uuid = Type.String({ format: 'uuid' });
const endpoint = Type.String({ maxLength: 4096, description: 'the push service URL of the subscription (PushSubscription.endpoint): https://' });
const SubscribeBody = Type.Object({
  endpoint,
  keys: Type.Object({
    p256dh: Type.String({ maxLength: 200, description: 'base64url of the 65-byte uncompressed P-256 public key of the browser' }),
    auth: Type.String({ maxLength: 200, description: 'base64url of the 16-byte auth secret' }),
  }, { additionalProperties: false }),
  expirationTime: Type.Optional(Type.Union([Type.Number(), Type.Null()], { description: 'as PushSubscription.toJSON() gives it; ignored' })),
}, { additionalProperties: false });
const EndpointBody = Type.Object({ endpoint }, { additionalProperties: false });
const EndpointQuery = Type.Object({ endpoint: Type.Optional(endpoint) }, { additionalProperties: false });

const SubscriptionT = Type.Object({
  id: Uuid,
  endpoint: Type.String(),
  user_agent: Type.Union([Type.String(), Type.Null()], { description: 'the User-Agent of the request that saved it' }),
  created_at: Type.String({ format: 'date-time' }),
});
const Notify = Type.Union(NOTIFY_LEVELS.map((l) => Type.Literal(l)), { description: 'all: every message; mentions: messages that mention you; none: no push' });
const SettingsBody = Type.Object({ muted: Type.Optional(Type.Boolean()), notify: Type.Optional(Notify) }, { additionalProperties: false });
const SettingsT = Type.Object({
  conversation_id: Uuid,
  muted: Type.Boolean(),
  notify: Notify,
  updated_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], { description: 'null: never set (the defaults)' }),
});
const DeliveriesQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
  before: Type.Optional(Uuid),
  conversation_id: Type.Optional(Uuid),
}, { additionalProperties: false });
const AttemptT = Type.Object({
  id: Uuid,
  conversation_id: Type.String(),
  cursor: Type.Integer(),
  attempt: Type.Integer({ description: '1 for the first attempt at the message' }),
  status: Type.Union([Type.Integer(), Type.Null()], { description: '201: pushed to every due subscription; 204: nothing was due; else a failing push service\'s status (null: no answer)' }),
  error: Type.Union([Type.String(), Type.Null()]),
  latency_ms: Type.Integer({ description: 'the whole fan-out, the PUSH_DELAY_MS wait included' }),
  attempted_at: Type.String({ format: 'date-time' }),
  outcome: Type.Union([Type.Literal('delivered'), Type.Literal('retry'), Type.Literal('dead')]),
});

type Conv = { Params: Static<typeof ConversationParams> };

export function pushRoutes(app: FastifyInstance, push: PushService) {
  const tags = ['push'];
  const security = [{ bearer: [] }];

  app.get('/v1/push/vapid-public-key', {
    schema: { tags, security, summary: 'The application server key (VAPID public key) a browser subscribes with: pushManager.subscribe({applicationServerKey})', response: { 200: Type.Object({ public_key: Type.String({ description: 'base64url, 65 bytes' }), provider: Type.String() }) } },
  }, async () => push.publicKey());

  app.post<{ Body: Static<typeof SubscribeBody> }>('/v1/push/subscriptions', {
    schema: { tags, security, summary: 'Save a Web Push subscription of this device (PushSubscription.toJSON()); the same endpoint again replaces it (201 new, 200 replaced)', body: SubscribeBody, response: { 200: SubscriptionT, 201: SubscriptionT } },
  }, async (req, reply) => {
    const r = await push.subscribe(req.user.user, req.body, req.headers['user-agent']);
    return reply.code(r.created ? 201 : 200).send(r.subscription);
  });

  app.get('/v1/push/subscriptions', {
    schema: { tags, security, summary: 'Your push subscriptions, oldest first (never their keys)', response: { 200: Type.Object({ subscriptions: Type.Array(SubscriptionT) }) } },
  }, async (req) => ({ subscriptions: await push.list(req.user.user) }));

  // The body is optional, which a route schema cannot say (fastify validates an absent body
  // against it): it is checked here, with the same rules and codes.
  app.delete<{ Body: unknown; Querystring: Static<typeof EndpointQuery> }>('/v1/push/subscriptions', {
    schema: {
      tags, security, querystring: EndpointQuery, response: { 204: Type.Null() },
      summary: 'Delete your subscription of an endpoint, given as ?endpoint= or in an optional JSON body {"endpoint": "…"}',
    },
  }, async (req, reply) => {
    if (req.body !== undefined && req.body !== null && !(Value.Check(EndpointBody, req.body) && !findBadString(req.body))) {
      throw new AppError('VALIDATION_FAILED', 'body must be {"endpoint": string} (or absent)');
    }
    const fromBody = (req.body as Static<typeof EndpointBody> | undefined | null)?.endpoint;
    const fromQuery = req.query.endpoint;
    if (fromBody !== undefined && fromQuery !== undefined) throw new AppError('VALIDATION_FAILED', 'give endpoint in the body or in the query, not both');
    const e = fromBody ?? fromQuery;
    if (e === undefined) throw new AppError('VALIDATION_FAILED', 'endpoint is required (body or ?endpoint=)');
    await push.unsubscribe(req.user.user, e);
    return reply.code(204).send();
  });

  app.get<Conv>('/v1/conversations/:id/settings', {
    schema: { tags, security, summary: 'Your notification settings of the conversation (members only)', params: ConversationParams, response: { 200: SettingsT } },
  }, async (req) => push.settings(req.user.user, req.params.id));

  app.put<Conv & { Body: Static<typeof SettingsBody> }>('/v1/conversations/:id/settings', {
    schema: { tags, security, summary: 'Change your notification settings of the conversation (members only): yours alone, never in the conversation\'s change log; your sockets get a `settings` frame', params: ConversationParams, body: SettingsBody, response: { 200: SettingsT } },
  }, async (req) => push.setSettings(req.user.user, req.params.id, req.body));

  app.get<{ Querystring: Static<typeof DeliveriesQuery> }>('/v1/admin/push/deliveries', {
    schema: {
      tags, security, summary: 'Push fan-out attempts, newest first: one per message and attempt (operators)', querystring: DeliveriesQuery,
      response: { 200: Type.Object({ deliveries: Type.Array(AttemptT), next_before: Type.Union([Uuid, Type.Null()]) }) },
    },
  }, async (req) => {
    requireAdmin(req);
    return push.deliveries({ limit: req.query.limit ?? 100, before: req.query.before, conversation_id: req.query.conversation_id });
  });
}
