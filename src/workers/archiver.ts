// The archiver service: every ARCHIVE_INTERVAL_S, applies the retention policy (RETENTION_DAYS /
// RETENTION_KEEP_LAST) through runArchive. Runs inside `strata start` (WORKERS=true) and in
// `strata worker`; any number may run: per-conversation leases keep them off each other's
// conversations (a busy one is skipped, the next tick gets it). Stops between conversations
// when the signal aborts (a conversation in progress finishes: its steps are crash-safe anyway).
import type { Archive, ArchiveSource, RetentionPolicy } from '../archive/archive.js';
import { runArchive } from '../archive/archive-run.js';
import type { Leases } from '../store/leases.js';
import { sleep, type Service } from './service.js';

export interface ArchiverLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export class ArchiverService implements Service {
  readonly name = 'archiver';

  constructor(
    private readonly archive: Archive,
    private readonly source: ArchiveSource,
    private readonly leases: Leases,
    private readonly opts: { policy: RetentionPolicy; intervalMs: number; logger: ArchiverLogger },
  ) {}

  async run(signal: AbortSignal): Promise<void> {
    const { policy, intervalMs, logger } = this.opts;
    if (policy.days <= 0 && policy.keepLast <= 0) return; // no retention policy: nothing ever moves
    while (!signal.aborted) {
      try {
        const r = await runArchive(this.archive, this.source, this.leases, { policy }, { waitForLease: false, signal });
        if (r.progress.rows_archived || r.errors.length) {
          logger.info({ ...r.progress, skipped: r.skipped.length, errors: r.errors }, 'archiver run');
        }
      } catch (err) {
        logger.warn({ err }, 'archiver run failed; retrying next interval');
      }
      await sleep(intervalMs, signal);
    }
  }
}
