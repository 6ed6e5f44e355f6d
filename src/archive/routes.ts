// Operator routes of the cold tier: POST /v1/admin/archive-jobs starts an archive job ("archive
// now": one conversation up to a seq, one conversation or every conversation by the retention
// policy), GET /v1/admin/archive-jobs/{id} reads its progress. Jobs are in the memory of the node
// that started them (archive-jobs.ts). `/v1/exports` is the old name of the same routes (kept,
// marked deprecated: it moves messages to the archive, it does not export a file — that is
// `strata export`).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { SeqT } from '../model/seq.js';
import { Type, type Static } from '@sinclair/typebox';
import type { Config } from '../config.js';
import type { ArchiveSource } from '../store/archive-source.js';
import type { Leases } from '../store/leases.js';
import type { Store } from '../store/store.js';
import type { Archive } from './archive.js';
import { AppError } from '../errors.js';
import { requireAdmin } from '../auth/require-admin.js';
import { ArchiveJobs } from './archive-jobs.js';

const ExportBody = Type.Object({
  conversation_id: Type.Optional(Type.String({ format: 'uuid' })),
  up_to_seq: Type.Optional(SeqT(1)),
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
/** What the routes need (a subset of the app's deps). */
export interface ArchiveJobDeps {
  config: Pick<Config, 'retentionDays' | 'retentionKeepLast'>;
  store: Pick<Store, 'getConversation'>;
  archive?: Archive;
  archiving?: { source: ArchiveSource; leases: Leases };
}

export function archiveJobRoutes(deps: ArchiveJobDeps) {
  return (app: FastifyInstance) => {
    const jobs = deps.archive && deps.archiving ? new ArchiveJobs(deps.archive, deps.archiving.source, deps.archiving.leases) : undefined;
    app.addHook('onClose', async () => jobs?.close());
    const tags = ['admin'];
    const security = [{ bearer: [] }];
    const need = () => {
      if (!jobs) throw new AppError('UNAVAILABLE', 'no archive is configured on this node');
      return jobs;
    };

    const start = async (req: FastifyRequest<{ Body: ExportBody }>, reply: FastifyReply) => {
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
    };
    const read = async (req: FastifyRequest<{ Params: { id: string } }>) => {
      requireAdmin(req);
      const job = need().get(req.params.id);
      if (!job) throw new AppError('EXPORT_NOT_FOUND', `no archive job ${req.params.id} on this node`);
      return job;
    };
    for (const [base, deprecated] of [['/v1/admin/archive-jobs', false], ['/v1/exports', true]] as const) {
      app.post<{ Body: ExportBody }>(base, {
        schema: {
          tags, security, body: ExportBody, response: { 202: JobT }, deprecated,
          summary: deprecated ? 'Old name of POST /v1/admin/archive-jobs' : 'Archive now: a conversation up to a seq, a conversation or all by the retention policy; returns a job',
        },
      }, start);
      app.get<{ Params: { id: string } }>(`${base}/:id`, {
        schema: { tags, security, deprecated, params: Type.Object({ id: Type.String() }), response: { 200: JobT }, summary: deprecated ? 'Old name of GET /v1/admin/archive-jobs/{id}' : 'An archive job started on this node' },
      }, read);
    }
  };
}
