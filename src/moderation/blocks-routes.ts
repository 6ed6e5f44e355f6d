// Routes of users' blocks (docs/moderation.md#blocks): each user manages their own.
//   PUT /v1/blocks/{user} · DELETE /v1/blocks/{user} · GET /v1/blocks
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Blocks } from './blocks.js';

// the JWT `sub` as conversations/schemas.ts defines it (not imported: conversations calls into moderation)
const UserId = Type.String({ minLength: 1, maxLength: 128, pattern: '^[^\\s\\u0000-\\u001f]+$', description: 'a user id (the JWT `sub`)' });
const Params = Type.Object({ user: UserId });

export function blockRoutes(app: FastifyInstance, blocks: Blocks) {
  const tags = ['moderation'];
  const security = [{ bearer: [] }];

  app.put<{ Params: { user: string } }>('/v1/blocks/:user', {
    schema: { tags, security, summary: 'Block a user: no new direct conversation with them, no messages between you in your direct conversation (idempotent)', params: Params, response: { 204: Type.Null() } },
  }, async (req, reply) => {
    await blocks.block(req.user.user, req.params.user);
    return reply.code(204).send();
  });

  app.delete<{ Params: { user: string } }>('/v1/blocks/:user', {
    schema: { tags, security, summary: 'Unblock a user (idempotent)', params: Params, response: { 204: Type.Null() } },
  }, async (req, reply) => {
    await blocks.unblock(req.user.user, req.params.user);
    return reply.code(204).send();
  });

  app.get('/v1/blocks', {
    schema: {
      tags, security, summary: 'The users you blocked, newest first (clients hide their messages in groups)',
      response: { 200: Type.Object({ blocks: Type.Array(Type.Object({ user: Type.String(), blocked_at: Type.String({ format: 'date-time' }) })) }) },
    },
  }, async (req) => ({ blocks: await blocks.list(req.user.user) }));
}
