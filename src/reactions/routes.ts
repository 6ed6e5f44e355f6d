// HTTP routes and the `react` frame of reactions.
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { FrameHandler } from '../ws/frames.js';
import { RefT } from '../ws/frames.js';
import type { ReactionService } from './service.js';

/** A reaction: 1–64 characters, no whitespace or control characters (an emoji, `+1`, …). */
export const ReactionT = Type.String({ minLength: 1, maxLength: 64, pattern: '^[^\\s\\u0000-\\u001f]+$' });
const Params = Type.Object({ id: Type.String({ format: 'uuid' }), reaction: ReactionT });

export function reactionRoutes(app: FastifyInstance, svc: ReactionService) {
  const tags = ['reactions'];
  const security = [{ bearer: [] }];
  const schema = (summary: string) => ({ tags, security, params: Params, summary, response: { 204: Type.Null() } });

  app.put<{ Params: { id: string; reaction: string } }>('/v1/messages/:id/reactions/:reaction', { schema: schema('Add my reaction (a set: twice is once)') }, async (req, reply) => {
    await svc.set(req.user.user, req.params.id, req.params.reaction, true);
    return reply.code(204).send();
  });

  app.get<{ Params: { id: string } }>('/v1/messages/:id/reactions', {
    schema: {
      tags, security, params: Type.Object({ id: Type.String({ format: 'uuid' }) }), summary: 'Every reaction on a message (members only)',
      response: { 200: Type.Object({ reactions: Type.Array(Type.Object({ user: Type.String(), reaction: Type.String(), created_at: Type.String({ format: 'date-time' }) })) }) },
    },
  }, async (req) => ({ reactions: await svc.list(req.user.user, req.params.id) }));

  app.delete<{ Params: { id: string; reaction: string } }>('/v1/messages/:id/reactions/:reaction', { schema: schema('Remove my reaction') }, async (req, reply) => {
    await svc.set(req.user.user, req.params.id, req.params.reaction, false);
    return reply.code(204).send();
  });
}

export function reactHandler(svc: ReactionService): FrameHandler<{ message_id: string; reaction: string; remove?: boolean }> {
  return {
    schema: Type.Object({ type: Type.Literal('react'), ref: RefT, message_id: Type.String({ format: 'uuid' }), reaction: ReactionT, remove: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
    async handle(f, ctx) {
      await svc.set(ctx.user, f.message_id, f.reaction, !f.remove);
    },
  };
}
