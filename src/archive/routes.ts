// Operator routes of the cold tier: POST /v1/exports starts an archive job (one conversation up
// to a seq, one conversation or every conversation by the retention policy), GET /v1/exports/{id}
// reads its progress. Jobs are in the memory of the node that started them (export-jobs.ts).
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import type { Deps } from '../deps.js';
import { AppError } from '../errors.js';
import { requireAdmin } from '../workers/admin-routes.js';
import { ExportJobs } from './export-jobs.js';

const ExportBody = Type.Object({
  conversation_id: Type.Optional(Type.String({ format: 'uuid' })),
  up_to_seq: Type.Optional(Type.Integer({ minimum: 1 })),
}, { additionalProperties: false });
type ExportBody = Static<typeof ExportBody>;

const JobT = Type.Object({
  id: Type.String(),
  status: Type.Union([Type.Literal('running'), Type.Literal('done'), Type.Literal('failed')]),
  progress: Type.Object({ conversations_done: Type.Integer(), conversations_total: Type.Integer(), rows_archived: Type.Integer() }),
  started_at: Type.String(),
  finished_at: Type.Union([Type.String(), Type.Null()]),
  error: Type.Union([Type.String(), Type.Null()]),
});

/** A buildApp plugin; absent archive → the routes answer UNAVAILABLE. */
export function exportRoutes(deps: Deps) {
  return (app: FastifyInstance) => {
    const jobs = deps.archive && deps.archiving ? new ExportJobs(deps.archive, deps.archiving.source, deps.archiving.leases) : undefined;
    app.addHook('onClose', async () => jobs?.close());
    const tags = ['admin'];
    const security = [{ bearer: [] }];
    const need = () => {
      if (!jobs) throw new AppError('UNAVAILABLE', 'no archive is configured on this node');
      return jobs;
    };

    app.post<{ Body: ExportBody }>('/v1/exports', {
      schema: {
        tags, security, body: ExportBody, response: { 202: JobT },
        summary: 'Archive now: a conversation up to a seq, a conversation or all by the retention policy; returns a job',
      },
    }, async (req, reply) => {
      requireAdmin(req);
      const { conversation_id: conversationId, up_to_seq: upToSeq } = req.body ?? {};
      const policy = { days: deps.config.retentionDays, keepLast: deps.config.retentionKeepLast };
      if (upToSeq !== undefined && conversationId === undefined) throw new AppError('VALIDATION_FAILED', '`up_to_seq` needs `conversation_id`');
      if (upToSeq === undefined && policy.days <= 0 && policy.keepLast <= 0) {
        throw new AppError('VALIDATION_FAILED', 'no retention policy is set (RETENTION_DAYS / RETENTION_KEEP_LAST): give `conversation_id` and `up_to_seq`');
      }
      if (conversationId !== undefined && !(await deps.store.getConversation(conversationId))) {
        throw new AppError('CONVERSATION_NOT_FOUND', `conversation ${conversationId} not found`);
      }
      return reply.code(202).send(need().start({ conversationId, upToSeq, policy }));
    });

    app.get<{ Params: { id: string } }>('/v1/exports/:id', {
      schema: { tags, security, params: Type.Object({ id: Type.String() }), response: { 200: JobT }, summary: 'An archive job started on this node' },
    }, async (req) => {
      requireAdmin(req);
      const job = need().get(req.params.id);
      if (!job) throw new AppError('EXPORT_NOT_FOUND', `no export job ${req.params.id} on this node`);
      return job;
    });
  };
}
