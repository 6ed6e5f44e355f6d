// Archive jobs started by POST /v1/admin/archive-jobs (old name: POST /v1/exports): each runs runArchive in the background and its
// state is read by GET /v1/admin/archive-jobs/{id}. Jobs live in the memory of the node that started them
// (the last MAX_JOBS are kept): another node, or this one after a restart, answers
// EXPORT_NOT_FOUND. The work itself is durable and convergent (manifest + leases), so a job lost
// with its node leaves nothing half-done that the next run would not finish.
import { v7 as uuidv7 } from 'uuid';
import type { Archive, ArchiveSource, RetentionPolicy } from './archive.js';
import { runArchive, type ArchiveProgress } from './archive-run.js';
import type { Leases } from '../store/leases.js';

export interface ExportJob {
  id: string;
  status: 'running' | 'done' | 'failed';
  progress: ArchiveProgress;
  started_at: string;
  finished_at: string | null;
  error: string | null;
}

const MAX_JOBS = 100;

export class ArchiveJobs {
  private readonly jobs = new Map<string, ExportJob>();
  private readonly running = new Set<Promise<unknown>>();
  private readonly stop = new AbortController();

  constructor(private readonly archive: Archive, private readonly source: ArchiveSource, private readonly leases: Leases) {}

  start(req: { conversationId?: string; upToSeq?: number; policy: RetentionPolicy }): ExportJob {
    const job: ExportJob = {
      id: uuidv7(), status: 'running', progress: { conversations_done: 0, conversations_total: 0, rows_archived: 0 },
      started_at: new Date().toISOString(), finished_at: null, error: null,
    };
    this.jobs.set(job.id, job);
    for (const id of this.jobs.keys()) if (this.jobs.size > MAX_JOBS && this.jobs.get(id)!.status !== 'running') this.jobs.delete(id);
    const run = runArchive(this.archive, this.source, this.leases, req, {
      waitForLease: true, signal: this.stop.signal, onProgress: (p) => { job.progress = p; },
    }).then((r) => {
      job.progress = r.progress;
      if (r.errors.length) {
        job.status = 'failed';
        job.error = r.errors.map((e) => `${e.conversationId}: ${e.error}`).join('; ');
      } else job.status = 'done';
    }, (e: unknown) => {
      job.status = 'failed';
      job.error = (e as Error).message;
    }).finally(() => {
      job.finished_at = new Date().toISOString();
      this.running.delete(run);
    });
    this.running.add(run);
    return job;
  }

  get(id: string): ExportJob | undefined {
    return this.jobs.get(id);
  }

  /** Stops between conversations and waits for running jobs (app shutdown). */
  async close(): Promise<void> {
    this.stop.abort();
    await Promise.all(this.running);
  }
}
