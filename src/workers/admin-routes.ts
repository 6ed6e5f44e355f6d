// Operator routes over the persist pipeline: list dead letters, replay one.
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { Deps } from '../deps.js';
import { AppError } from '../errors.js';
import { requireAdmin } from '../auth/require-admin.js';


const DeadLetterT = Type.Object({ id: Type.String(), partition: Type.Integer(), payload: Type.String(), error: Type.String(), failed_at: Type.String() });

export function adminRoutes(app: FastifyInstance, deps: Deps) {
  const tags = ['admin'];
  const security = [{ bearer: [] }];
  app.get<{ Querystring: { limit?: number } }>('/v1/admin/dead-letters', {
    schema: {
      tags, security, summary: 'Persist-log entries the warm store rejected, with their errors',
      querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })) }, { additionalProperties: false }),
      response: { 200: Type.Object({ dead_letters: Type.Array(DeadLetterT) }) },
    },
  }, async (req) => {
    requireAdmin(req);
    return { dead_letters: await deps.log.listDeadLetters(req.query.limit ?? 100) };
  });

  app.post<{ Params: { id: string } }>('/v1/admin/dead-letters/:id/replay', {
    schema: {
      tags, security, summary: 'Put a dead letter back on its persist log', params: Type.Object({ id: Type.String({ pattern: '^[0-9]+-[0-9]+$' }) }),
      response: { 202: Type.Object({ replayed: Type.String() }) },
    },
  }, async (req, reply) => {
    requireAdmin(req);
    if (!(await deps.log.replayDeadLetter(req.params.id))) throw new AppError('NOT_FOUND', `no dead letter ${req.params.id}`);
    return reply.code(202).send({ replayed: req.params.id });
  });
}
