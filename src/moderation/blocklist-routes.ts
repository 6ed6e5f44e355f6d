// Operator routes of the blocklist (docs/moderation.md#blocklist), behind a token with `admin: true`:
//   POST /v1/admin/blocklist · GET /v1/admin/blocklist · DELETE /v1/admin/blocklist/{id}
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { requireAdmin } from '../auth/require-admin.js';
import type { Blocklist } from './blocklist.js';
import { MAX_PATTERN_CHARS } from './blocklist-matcher.js';

const Uuid = Type.String({ format: 'uuid' });
const Kind = Type.Union([Type.Literal('word'), Type.Literal('regex')], { description: 'word: a word or phrase matched on whole words, normalised; regex: an RE2 pattern (linear time)' });
const Action = Type.Union([Type.Literal('reject'), Type.Literal('mask')], { description: 'reject: the send or edit is refused (BLOCKLIST_REJECTED); mask: the match is replaced by * per character' });

export const BlocklistEntryT = Type.Object({
  id: Uuid, kind: Kind, pattern: Type.String(), action: Action, created_by: Type.String(), created_at: Type.String({ format: 'date-time' }),
});
const AddBody = Type.Object({ kind: Kind, pattern: Type.String({ description: `1 to ${MAX_PATTERN_CHARS} characters` }), action: Action }, { additionalProperties: false });

export function blocklistRoutes(app: FastifyInstance, blocklist: Blocklist) {
  const tags = ['moderation'];
  const security = [{ bearer: [] }];

  app.post<{ Body: Static<typeof AddBody> }>('/v1/admin/blocklist', {
    schema: { tags, security, summary: 'Add a blocklist entry (operators only; applies on every node within 5 s)', body: AddBody, response: { 201: BlocklistEntryT } },
  }, async (req, reply) => {
    requireAdmin(req);
    return reply.code(201).send(await blocklist.add({ user: req.user.user, requestId: req.id }, req.body));
  });

  app.get('/v1/admin/blocklist', {
    schema: { tags, security, summary: 'The blocklist, oldest first (operators only)', response: { 200: Type.Object({ entries: Type.Array(BlocklistEntryT) }) } },
  }, async (req) => {
    requireAdmin(req);
    return { entries: await blocklist.list() };
  });

  app.delete<{ Params: { id: string } }>('/v1/admin/blocklist/:id', {
    schema: { tags, security, summary: 'Remove a blocklist entry (operators only)', params: Type.Object({ id: Uuid }), response: { 204: Type.Null() } },
  }, async (req, reply) => {
    requireAdmin(req);
    await blocklist.remove({ user: req.user.user, requestId: req.id }, req.params.id);
    return reply.code(204).send();
  });
}
