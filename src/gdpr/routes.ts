// Operator routes of GDPR export and erase (docs/gdpr.md), behind a token with `admin: true`
// (anyone else: 403 FORBIDDEN, nothing written):
//   POST /v1/admin/users/{user}/export      → 202 a pending export job
//   POST /v1/admin/users/{user}/erase       → 202 a pending erase job
//   GET  /v1/admin/users/{user}/jobs        → the user's jobs, newest first
//   GET  /v1/admin/users/{user}/jobs/{id}   → one job: state, step, progress, result
//   GET  /v1/admin/users/{user}/jobs/{id}/file → a done export's file (gzipped JSON)
// Jobs are rows of the warm store run by the background service of any node (jobs.ts): any
// node answers for any job, and a job outlives the node that started it.
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { requireAdmin } from '../auth/require-admin.js';
import type { Deps } from '../deps.js';
import { AppError } from '../errors.js';
import type { GdprJob } from '../store/gdpr-store.js';
import { exportKey, exportStore } from './export.js';
import { createJob, type GdprDeps } from './jobs.js';

const UserId = Type.String({ minLength: 1, maxLength: 128, pattern: '^[^\\s\\u0000-\\u001f]+$', description: 'a user id (the JWT `sub`)' });
const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);

export const GdprJobT = Type.Object({
  id: Type.String({ format: 'uuid' }),
  kind: Type.Union([Type.Literal('export'), Type.Literal('erase')]),
  user: Type.String(),
  requested_by: Type.String(),
  state: Type.Union([Type.Literal('pending'), Type.Literal('running'), Type.Literal('done'), Type.Literal('failed')]),
  step: Type.String({ description: 'the step running, or the last one (docs/gdpr.md)' }),
  progress: Type.Record(Type.String(), Type.Number(), { description: 'counters of the job so far (erase: conversations_done, messages_erased, changes_rewritten, files_rewritten, …)' }),
  result: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()]),
  error: Nullable(Type.String()),
  created_at: Type.String({ format: 'date-time' }),
  started_at: Nullable(Type.String({ format: 'date-time' })),
  finished_at: Nullable(Type.String({ format: 'date-time' })),
});

function view(j: GdprJob) {
  const { cursor: _cursor, ...rest } = j;
  return rest;
}

export function gdprRoutes(app: FastifyInstance, deps: Deps) {
  const tags = ['admin'];
  const security = [{ bearer: [] }];
  const need = (req: FastifyRequest): GdprDeps => {
    requireAdmin(req as FastifyRequest & { user: { admin: boolean } });
    if (!deps.gdpr) throw new AppError('UNAVAILABLE', 'GDPR jobs are not configured on this node');
    return deps as GdprDeps;
  };
  const Params = Type.Object({ user: UserId });
  const JobParams = Type.Object({ user: UserId, id: Type.String({ format: 'uuid' }) });
  const job = async (d: GdprDeps, user: string, id: string) => {
    const j = await d.gdpr.jobs.getJob(id);
    if (!j || j.user !== user) throw new AppError('GDPR_JOB_NOT_FOUND', `no GDPR job ${id} for user ${user}`);
    return j;
  };

  for (const kind of ['export', 'erase'] as const) {
    app.post<{ Params: { user: string } }>(`/v1/admin/users/:user/${kind}`, {
      schema: {
        tags, security, params: Params, response: { 202: GdprJobT },
        summary: kind === 'export'
          ? 'Start an export of everything Strata holds about a user (a job; operators only)'
          : 'Start the erase of a user: their messages become tombstones in every tier, their reactions, receipts, settings, push subscriptions and uploads go (a job; operators only)',
      },
    }, async (req, reply) => {
      const d = need(req);
      return reply.code(202).send(view(await createJob(d, kind, req.params.user, (req as unknown as { user: { user: string } }).user.user)));
    });
  }
  app.get<{ Params: { user: string } }>('/v1/admin/users/:user/jobs', {
    schema: { tags, security, params: Params, summary: 'A user\'s export and erase jobs, newest first (operators only)', response: { 200: Type.Object({ jobs: Type.Array(GdprJobT) }) } },
  }, async (req) => ({ jobs: (await need(req).gdpr.jobs.listJobs(req.params.user)).map(view) }));
  app.get<{ Params: { user: string; id: string } }>('/v1/admin/users/:user/jobs/:id', {
    schema: { tags, security, params: JobParams, summary: 'One export or erase job: state, step, progress, result (operators only)', response: { 200: GdprJobT } },
  }, async (req) => view(await job(need(req), req.params.user, req.params.id)));
  app.get<{ Params: { user: string; id: string } }>('/v1/admin/users/:user/jobs/:id/file', {
    schema: {
      tags, security, params: JobParams, produces: ['application/gzip'],
      summary: 'The file of a done export job: gzipped JSON (operators only; attachments\' files are signed links inside)',
    },
  }, async (req, reply) => {
    const d = need(req);
    const j = await job(d, req.params.user, req.params.id);
    const objects = exportStore({ deps: d });
    const bytes = j.kind === 'export' && j.state === 'done' && objects ? await objects.readFile(exportKey(j)) : null;
    if (!bytes) throw new AppError('GDPR_JOB_NOT_FOUND', `job ${j.id} has no export file (kind ${j.kind}, state ${j.state})`);
    return reply.type('application/gzip').header('content-disposition', `attachment; filename="strata-export-${j.id}.json.gz"`).send(Buffer.from(bytes));
  });
}
