// Operator routes of webhooks (docs/webhooks.md), all behind a token with `admin: true`:
//   POST/GET /v1/admin/webhooks · GET/PATCH/DELETE /v1/admin/webhooks/{id}
//   POST /v1/admin/webhooks/{id}/rotate-secret · GET /v1/admin/webhooks/{id}/secret
//   GET /v1/admin/webhooks/{id}/deliveries · GET /v1/admin/webhooks/{id}/dead-letters
//   POST /v1/admin/webhooks/{id}/dead-letters/{dead_letter_id}/replay
// The schemas check types only; what a value must be (an http(s) URL, known events, a whsec_
// secret) is the service's, so that each answers its own registry code.
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { requireAdmin } from '../auth/require-admin.js';
import { WEBHOOK_EVENTS } from '../store/webhook-store.js';
import type { WebhookAdmin } from './service.js';

const Uuid = Type.String({ format: 'uuid' });
const Params = Type.Object({ id: Uuid });
const DeadLetterParams = Type.Object({ id: Uuid, dead_letter_id: Uuid });

const events = Type.Array(Type.String({ maxLength: 64 }), { maxItems: 64, description: `change types to deliver: ${WEBHOOK_EVENTS.join(', ')}` });
const url = Type.String({ description: 'an absolute http:// or https:// URL (at most 2,048 characters)' });
const secret = Type.String({ description: '`whsec_` + base64 of 24–64 bytes; generated when absent' });

const CreateBody = Type.Object({ url, events, secret: Type.Optional(secret) }, { additionalProperties: false });
const UpdateBody = Type.Object({ url: Type.Optional(url), events: Type.Optional(events) }, { additionalProperties: false });
const RotateBody = Type.Object({ secret: Type.Optional(secret) }, { additionalProperties: false });

const endpointFields = {
  id: Uuid,
  url: Type.String(),
  events: Type.Array(Type.String()),
  created_at: Type.String({ format: 'date-time' }),
  updated_at: Type.String({ format: 'date-time' }),
  previous_secret_expires_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], { description: 'after a rotation: until when the previous secret signs too' }),
};
const EndpointT = Type.Object(endpointFields);
const WithSecretT = Type.Object({ ...endpointFields, secret: Type.String({ description: 'the signing secret (whsec_…)' }) });

const AttemptT = Type.Object({
  id: Uuid,
  webhook_id: Type.String({ description: 'the webhook-id header: the same on every attempt at one change' }),
  conversation_id: Type.String(),
  cursor: Type.Integer(),
  type: Type.String(),
  attempt: Type.Integer({ description: '1 for the first attempt at the change (from 1 again for a replay)' }),
  status: Type.Union([Type.Integer(), Type.Null()], { description: 'the HTTP status answered; null when none came' }),
  error: Type.Union([Type.String(), Type.Null()]),
  latency_ms: Type.Integer(),
  attempted_at: Type.String({ format: 'date-time' }),
  outcome: Type.Union([Type.Literal('delivered'), Type.Literal('retry'), Type.Literal('dead')]),
  replay: Type.Boolean(),
});

const DeadLetterT = Type.Object({
  id: Uuid,
  webhook_id: Type.String(),
  conversation_id: Type.String(),
  cursor: Type.Integer(),
  type: Type.String(),
  body: Type.String({ description: 'the request body, as sent' }),
  attempts: Type.Integer(),
  last_status: Type.Union([Type.Integer(), Type.Null()]),
  last_error: Type.Union([Type.String(), Type.Null()]),
  failed_at: Type.String({ format: 'date-time' }),
  state: Type.Union([Type.Literal('dead'), Type.Literal('replaying')]),
});

const Page = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
  before: Type.Optional(Uuid),
}, { additionalProperties: false });
const DeliveriesQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
  before: Type.Optional(Uuid),
  conversation_id: Type.Optional(Uuid),
}, { additionalProperties: false });

type Id = { Params: Static<typeof Params> };

export function webhookRoutes(app: FastifyInstance, admin: WebhookAdmin) {
  const tags = ['webhooks'];
  const security = [{ bearer: [] }];

  app.post<{ Body: Static<typeof CreateBody> }>('/v1/admin/webhooks', {
    schema: { tags, security, summary: 'Register a webhook endpoint: it receives matching changes from now on (signed, Standard Webhooks)', body: CreateBody, response: { 201: WithSecretT } },
  }, async (req, reply) => {
    requireAdmin(req);
    return reply.code(201).send(await admin.create(req.body, { user: req.user.user, requestId: req.id }));
  });

  app.get('/v1/admin/webhooks', {
    schema: { tags, security, summary: 'Webhook endpoints, oldest first', response: { 200: Type.Object({ webhooks: Type.Array(EndpointT) }) } },
  }, async (req) => {
    requireAdmin(req);
    return { webhooks: await admin.list() };
  });

  app.get<Id>('/v1/admin/webhooks/:id', {
    schema: { tags, security, summary: 'One webhook endpoint', params: Params, response: { 200: EndpointT } },
  }, async (req) => {
    requireAdmin(req);
    return admin.get(req.params.id);
  });

  app.patch<Id & { Body: Static<typeof UpdateBody> }>('/v1/admin/webhooks/:id', {
    schema: { tags, security, summary: 'Change an endpoint\'s url and/or events (from the next attempt on)', params: Params, body: UpdateBody, response: { 200: EndpointT } },
  }, async (req) => {
    requireAdmin(req);
    return admin.update(req.params.id, req.body, { user: req.user.user, requestId: req.id });
  });

  app.delete<Id>('/v1/admin/webhooks/:id', {
    schema: { tags, security, summary: 'Delete an endpoint with its delivery state, attempts and dead letters', params: Params, response: { 204: Type.Null() } },
  }, async (req, reply) => {
    requireAdmin(req);
    await admin.remove(req.params.id, { user: req.user.user, requestId: req.id });
    return reply.code(204).send();
  });

  app.post<Id & { Body: Static<typeof RotateBody> }>('/v1/admin/webhooks/:id/rotate-secret', {
    schema: { tags, security, summary: 'Rotate the secret (given or generated); the old one signs beside it for WEBHOOK_SECRET_GRACE_S', params: Params, body: RotateBody, response: { 200: WithSecretT } },
    // no body at all is `{}`: a generated secret
    preValidation: async (req) => {
      if (req.body === undefined || req.body === null) req.body = {};
    },
  }, async (req) => {
    requireAdmin(req);
    return admin.rotate(req.params.id, req.body ?? {}, { user: req.user.user, requestId: req.id });
  });

  app.get<Id>('/v1/admin/webhooks/:id/secret', {
    schema: { tags, security, summary: 'The endpoint\'s signing secret', params: Params, response: { 200: Type.Object({ secret: Type.String() }) } },
  }, async (req) => {
    requireAdmin(req);
    return admin.secret(req.params.id);
  });

  app.get<Id & { Querystring: Static<typeof DeliveriesQuery> }>('/v1/admin/webhooks/:id/deliveries', {
    schema: {
      tags, security, summary: 'Delivery attempts, newest first: status code, latency, outcome', params: Params, querystring: DeliveriesQuery,
      response: { 200: Type.Object({ deliveries: Type.Array(AttemptT), next_before: Type.Union([Uuid, Type.Null()]) }) },
    },
  }, async (req) => {
    requireAdmin(req);
    return admin.deliveries(req.params.id, { limit: req.query.limit ?? 100, before: req.query.before, conversation_id: req.query.conversation_id });
  });

  app.get<Id & { Querystring: Static<typeof Page> }>('/v1/admin/webhooks/:id/dead-letters', {
    schema: {
      tags, security, summary: 'Changes given up after WEBHOOK_RETRY_FOR_S of failures, newest first', params: Params, querystring: Page,
      response: { 200: Type.Object({ dead_letters: Type.Array(DeadLetterT), next_before: Type.Union([Uuid, Type.Null()]) }) },
    },
  }, async (req) => {
    requireAdmin(req);
    return admin.deadLetters(req.params.id, { limit: req.query.limit ?? 100, before: req.query.before });
  });

  app.post<{ Params: Static<typeof DeadLetterParams> }>('/v1/admin/webhooks/:id/dead-letters/:dead_letter_id/replay', {
    schema: {
      tags, security, summary: 'Deliver a dead letter again (same webhook-id and body; retried like a new delivery; gone once delivered)', params: DeadLetterParams,
      response: { 202: Type.Object({ replaying: Uuid }) },
    },
  }, async (req, reply) => {
    requireAdmin(req);
    return reply.code(202).send(await admin.replay(req.params.id, req.params.dead_letter_id));
  });
}
