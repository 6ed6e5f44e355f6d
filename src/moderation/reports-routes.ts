// Routes of reports (docs/moderation.md#reports):
//   POST /v1/messages/{id}/reports                a member flags a message (201 new, 200 their earlier report)
//   GET  /v1/admin/reports                        operators: the queue, newest first, keyset-paged
//   POST /v1/admin/reports/{id}/resolve           operators: dismiss, delete_message, mute or ban
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { requireAdmin } from '../auth/require-admin.js';
import { REPORT_STATES } from '../store/report-store.js';
import { REPORT_MUTE_DEFAULT_S, REPORT_MUTE_MAX_S, RESOLUTIONS, type Reports } from './reports.js';

const Uuid = Type.String({ format: 'uuid' });
const Params = Type.Object({ id: Uuid });
const Reason = Type.String({ minLength: 1, maxLength: 1000 });

export const ReportT = Type.Object({
  id: Uuid,
  conversation_id: Uuid,
  message_id: Uuid,
  sender: Type.String(),
  reporter: Type.String(),
  reason: Type.String(),
  message_text: Type.Union([Type.String(), Type.Null()], { description: 'the message\'s text when it was reported' }),
  state: Type.Union(REPORT_STATES.map((s) => Type.Literal(s))),
  created_at: Type.String({ format: 'date-time' }),
  resolved_by: Type.Union([Type.String(), Type.Null()]),
  resolved_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  resolution_reason: Type.Union([Type.String(), Type.Null()]),
});

const FlagBody = Type.Object({ reason: Reason }, { additionalProperties: false });
const ResolveBody = Type.Object({
  action: Type.Union(RESOLUTIONS.map((a) => Type.Literal(a))),
  reason: Type.Optional(Type.Union([Reason, Type.Null()])),
  duration_s: Type.Optional(Type.Integer({
    minimum: 1, maximum: REPORT_MUTE_MAX_S, default: REPORT_MUTE_DEFAULT_S,
    description: `\`mute\` only: how long, seconds (default ${REPORT_MUTE_DEFAULT_S}, at most a year); muting again replaces the end`,
  })),
}, { additionalProperties: false });
const QueueQuery = Type.Object({
  state: Type.Optional(Type.Union(REPORT_STATES.map((s) => Type.Literal(s)), { description: 'default: open' })),
  conversation_id: Type.Optional(Uuid),
  before: Type.Optional(Type.String({ format: 'uuid', description: 'the previous page\'s next_before' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
}, { additionalProperties: false });

export function reportRoutes(app: FastifyInstance, reports: Reports) {
  const tags = ['moderation'];
  const security = [{ bearer: [] }];

  app.post<{ Params: Static<typeof Params>; Body: Static<typeof FlagBody> }>('/v1/messages/:id/reports', {
    schema: { tags, security, summary: 'Report a message of one of your conversations to the operators', params: Params, body: FlagBody, response: { 200: ReportT, 201: ReportT } },
  }, async (req, reply) => {
    const { report, created } = await reports.flag(req.user.user, req.params.id, req.body.reason);
    return reply.code(created ? 201 : 200).send(report);
  });

  app.get<{ Querystring: Static<typeof QueueQuery> }>('/v1/admin/reports', {
    schema: {
      tags, security, summary: 'The report queue, newest first (operators only)', querystring: QueueQuery,
      response: { 200: Type.Object({ reports: Type.Array(ReportT), next_before: Type.Union([Uuid, Type.Null()]) }) },
    },
  }, async (req) => {
    requireAdmin(req);
    const limit = req.query.limit ?? 100;
    const list = await reports.list({ state: req.query.state ?? 'open', conversation_id: req.query.conversation_id, before: req.query.before, limit });
    return { reports: list, next_before: list.length === limit ? list[list.length - 1].id : null };
  });

  app.post<{ Params: Static<typeof Params>; Body: Static<typeof ResolveBody> }>('/v1/admin/reports/:id/resolve', {
    schema: { tags, security, summary: 'Resolve a report: dismiss, delete_message, mute (for duration_s) or ban the sender in the conversation (operators only; one audit entry)', params: Params, body: ResolveBody, response: { 200: ReportT } },
  }, async (req) => {
    requireAdmin(req);
    return reports.resolve({ user: req.user.user, requestId: req.id }, req.params.id, req.body.action, req.body.reason ?? null, req.body.duration_s);
  });
}
