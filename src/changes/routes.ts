// HTTP routes of the change log: a conversation's changes after a cursor, and the sync of all
// of a user's conversations (docs/changes.md).
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { ChangeLog } from './change-log.js';
import { ChangePageT, ChangesQuery, SyncQuery, SyncT } from './schemas.js';
import type { SyncService } from './sync.js';

export function changeRoutes(
  app: FastifyInstance,
  svc: { changes: ChangeLog; sync: SyncService; requireMember: (conversationId: string, user: string) => Promise<unknown> },
) {
  const tags = ['changes'];
  const security = [{ bearer: [] }];

  app.get<{ Params: { id: string }; Querystring: ChangesQuery }>('/v1/conversations/:id/changes', {
    schema: {
      tags, security, params: Type.Object({ id: Type.String({ format: 'uuid' }) }), querystring: ChangesQuery,
      summary: 'The changes after a cursor, ascending (410 RELOAD_REQUIRED when the cursor is older than the server keeps)',
      response: { 200: ChangePageT },
    },
  }, async (req, reply) => {
    await svc.requireMember(req.params.id, req.user.user);
    const page = await svc.changes.read(req.params.id, req.query.after, req.query.limit ?? 100);
    return reply.type('application/json').send(`{"changes":[${page.changes.join(',')}],"cursor":${page.cursor},"has_more":${page.has_more}}`);
  });

  app.get<{ Querystring: SyncQuery }>('/v1/sync', {
    schema: {
      tags, security, querystring: SyncQuery,
      summary: 'Everything that changed in my conversations since the last sync (without `since`: where each conversation stands)',
      response: { 200: SyncT },
    },
  }, async (req, reply) => reply.type('application/json').send(await svc.sync.sync(req.user.user, req.query.since, req.query.limit ?? 100)));
}
