// GDPR jobs (docs/gdpr.md): a row per export or erase in the warm store's `gdpr_jobs`, run by the
// background service GdprService of any process (strata start, strata worker). A job runs only
// under the lease `gdpr:<job id>` (store/leases.ts): one node at a time; a node that dies leaves
// its job `running`, and its lease is taken over (at once on the same host, after 60 s on
// another), so a successor resumes it from the step its row names. Every step is idempotent
// (erase.ts, export.ts). The service looks for work every pollMs, and at once when this process
// created a job.
import { v7 as uuidv7 } from 'uuid';
import type { ChangeLog } from '../changes/change-log.js';
import type { Deps } from '../deps.js';
import { AppError, isAppError } from '../errors.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { GdprJob, GdprJobKind, GdprJobStore, UserDataStore } from '../store/gdpr-store.js';
import { newHolder, takeLease, type Leases } from '../store/leases.js';
import { sleep, type Service } from '../workers/service.js';
import { runErase, type EraseCursor, type JobContext } from './erase.js';
import { runExport } from './export.js';

export type GdprDeps = Deps & { gdpr: { jobs: GdprJobStore; data: UserDataStore } };

const JOB_LEASE_TTL_MS = 60_000;
const wakers = new Set<() => void>();

/** Creates a pending job (the routes; tests). Wakes this process's GdprService. */
export async function createJob(deps: GdprDeps, kind: GdprJobKind, user: string, requestedBy: string, id: string = uuidv7()): Promise<GdprJob> {
  const job: GdprJob = {
    id, kind, user, requested_by: requestedBy, state: 'pending', step: 'pending', progress: {}, cursor: null, result: null, error: null,
    created_at: new Date().toISOString(), started_at: null, finished_at: null,
  };
  await deps.gdpr.jobs.createJob(job);
  for (const wake of wakers) wake();
  return job;
}

export interface RunOptions {
  changes: ChangeLog;
  leases: Leases;
  audit: AuditLog;
  holder: string;
  onStep?: JobContext['onStep'];
  signal?: AbortSignal;
}

/**
 * Runs one job to its end under its lease (held by `holder`: taken here, or already). Returns
 * false when another holder has it. An error that is not retryable fails the job; a retryable
 * one (or a stop) leaves it running for the next attempt.
 */
export async function runJob(deps: GdprDeps, id: string, o: RunOptions): Promise<boolean> {
  const lease = await takeLease(o.leases, `gdpr:${id}`, o.holder, { ttlMs: JOB_LEASE_TTL_MS, wait: false, signal: o.signal });
  if (!lease) return false;
  try {
    const job = await deps.gdpr.jobs.getJob(id);
    if (!job || job.state === 'done' || job.state === 'failed') return true;
    const actor = { user: job.requested_by, requestId: `gdpr-job:${job.id}` };
    if (job.state === 'pending') {
      const started_at = new Date().toISOString();
      await deps.gdpr.jobs.updateJob(id, { state: 'running', started_at, step: 'started' });
      await o.audit.record({ action: `gdpr.${job.kind}_started`, actor, target_user: job.user, details: { job_id: job.id } });
      Object.assign(job, { state: 'running', started_at });
    }
    const ctx: JobContext = { deps, changes: o.changes, holder: o.holder, onStep: o.onStep, signal: o.signal };
    try {
      const result = job.kind === 'erase'
        ? await runErase(ctx, job, async (cursor: EraseCursor, step, progress) => {
          if (!lease.held) throw new AppError('UNAVAILABLE', 'job lease lost', { retryable: true });
          await deps.gdpr.jobs.updateJob(id, { cursor: cursor as unknown as Record<string, unknown>, step, progress });
        })
        : await runExport(ctx, job);
      await deps.gdpr.jobs.updateJob(id, { state: 'done', step: 'done', result, finished_at: new Date().toISOString() });
      await o.audit.record({ action: `gdpr.${job.kind}_finished`, actor, target_user: job.user, details: { job_id: job.id, ...result } });
    } catch (e) {
      if ((isAppError(e) && e.retryable) || o.signal?.aborted) throw e;
      await deps.gdpr.jobs.updateJob(id, { state: 'failed', error: (e as Error).message, finished_at: new Date().toISOString() });
      await o.audit.record({ action: `gdpr.${job.kind}_failed`, actor, target_user: job.user, details: { job_id: job.id, error: (e as Error).message } });
    }
    return true;
  } finally {
    await lease.release();
  }
}

export class GdprService implements Service {
  readonly name = 'gdpr-jobs';

  constructor(
    private readonly deps: GdprDeps,
    private readonly o: Omit<RunOptions, 'holder' | 'signal'> & { pollMs: number; logger: { warn(obj: object, msg: string): void } },
  ) {}

  async run(signal: AbortSignal): Promise<void> {
    const holder = newHolder();
    let woken = false;
    let wake: (() => void) | undefined;
    const waker = () => {
      woken = true;
      wake?.();
    };
    wakers.add(waker);
    try {
      while (!signal.aborted) {
        woken = false;
        try {
          for (const job of await this.deps.gdpr.jobs.unfinishedJobs()) {
            if (signal.aborted) break;
            await runJob(this.deps, job.id, { ...this.o, holder, signal });
          }
        } catch (err) {
          this.o.logger.warn({ err }, 'gdpr job interrupted; resumed on the next look');
        }
        if (woken) continue;
        await Promise.race([sleep(this.o.pollMs, signal), new Promise<void>((r) => (wake = r))]);
        wake = undefined;
      }
    } finally {
      wakers.delete(waker);
    }
  }
}
