// The operator's view of the audit log (docs/moderation.md#audit-log), behind a token with
// `admin: true`: GET /v1/admin/audit — newest first, keyset-paged by `before` (an entry id),
// filtered by actor, target user, conversation, action and a time range [since, until).
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { requireAdmin } from '../auth/require-admin.js';
import type { AuditLog } from './audit-log.js';

const Uuid = Type.String({ format: 'uuid' });
// the JWT `sub` as conversations/schemas.ts defines it (not imported: conversations records into the audit log)
const UserId = Type.String({ minLength: 1, maxLength: 128, pattern: '^[^\\s\\u0000-\\u001f]+$', description: 'a user id (the JWT `sub`)' });

export const AuditEntryT = Type.Object({
  id: Uuid,
  at: Type.String({ format: 'date-time' }),
  action: Type.String({ description: 'e.g. member.role_changed, message.deleted, report.resolved (docs/moderation.md#audit-log)' }),
  actor: Type.String({ description: 'who did it (the token\'s sub)' }),
  target_user: Type.Union([Type.String(), Type.Null()]),
  conversation_id: Type.Union([Type.String(), Type.Null()]),
  message_id: Type.Union([Type.String(), Type.Null()]),
  reason: Type.Union([Type.String(), Type.Null()]),
  request_id: Type.String({ description: 'the HTTP request that did it (the server log\'s reqId)' }),
  details: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()]),
});

const AuditQuery = Type.Object({
  actor: Type.Optional(UserId),
  target_user: Type.Optional(UserId),
  conversation_id: Type.Optional(Uuid),
  action: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  since: Type.Optional(Type.String({ format: 'date-time', description: 'entries at or after this time' })),
  until: Type.Optional(Type.String({ format: 'date-time', description: 'entries before this time' })),
  before: Type.Optional(Type.String({ format: 'uuid', description: 'the previous page\'s next_before' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
}, { additionalProperties: false });

export function auditRoutes(app: FastifyInstance, audit: AuditLog) {
  app.get<{ Querystring: Static<typeof AuditQuery> }>('/v1/admin/audit', {
    schema: {
      tags: ['moderation'], security: [{ bearer: [] }], summary: 'The audit log of moderation and operator actions, newest first (operators only)', querystring: AuditQuery,
      response: { 200: Type.Object({ entries: Type.Array(AuditEntryT), next_before: Type.Union([Uuid, Type.Null()]) }) },
    },
  }, async (req) => {
    requireAdmin(req);
    const limit = req.query.limit ?? 100;
    const entries = await audit.list({ ...req.query, limit });
    return { entries, next_before: entries.length === limit ? entries[entries.length - 1].id : null };
  });
}
