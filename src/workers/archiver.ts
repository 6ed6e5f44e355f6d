// The archiver service: every ARCHIVE_INTERVAL_S, applies the retention policy (RETENTION_DAYS /
// RETENTION_KEEP_LAST) through runArchive. Runs inside `strata start` (WORKERS=true) and in
// `strata worker`; any number may run: per-conversation leases keep them off each other's
// conversations (a busy one is skipped, the next tick gets it). Stops between conversations
// when the signal aborts (a conversation in progress finishes: its steps are crash-safe anyway).
// A run stops below a seq the warm store does not hold yet (a message still in flight: the next
// run gets it); a conversation stalled at the same seq for `stallWarnMs` is logged at warn once,
// since archiving it cannot go on until that seq is stored.
import type { Archive, ArchiveResult, ArchiveSource, RetentionPolicy } from '../archive/archive.js';
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
    private readonly opts: { policy: RetentionPolicy; intervalMs: number; logger: ArchiverLogger; stallWarnMs?: number },
  ) {}

  /** Conversations whose last run stopped below a missing seq: since when, and whether said. */
  private readonly stalls = new Map<string, { seq: number; since: number; warned: boolean }>();

  async run(signal: AbortSignal): Promise<void> {
    const { policy, intervalMs, logger } = this.opts;
    if (policy.days <= 0 && policy.keepLast <= 0) return; // no retention policy: nothing ever moves
    while (!signal.aborted) {
      try {
        const r = await runArchive(this.archive, this.source, this.leases, { policy }, { waitForLease: false, signal });
        if (r.progress.rows_archived || r.errors.length) {
          logger.info({ ...r.progress, skipped: r.skipped.length, errors: r.errors }, 'archiver run');
        }
        this.noteStalls(r.results);
      } catch (err) {
        logger.warn({ err }, 'archiver run failed; retrying next interval');
      }
      await sleep(intervalMs, signal);
    }
  }

  private noteStalls(results: ArchiveResult[]): void {
    const now = Date.now();
    for (const r of results) {
      const prev = this.stalls.get(r.conversationId);
      if (r.stalledAt === undefined) {
        this.stalls.delete(r.conversationId);
      } else if (!prev || prev.seq !== r.stalledAt) {
        this.stalls.set(r.conversationId, { seq: r.stalledAt, since: now, warned: false });
      } else if (!prev.warned && now - prev.since >= (this.opts.stallWarnMs ?? STALL_WARN_MS)) {
        prev.warned = true;
        this.opts.logger.warn({ conversation_id: r.conversationId, missing_seq: r.stalledAt, archived_through: r.archivedThrough, stalled_s: Math.round((now - prev.since) / 1000) },
          'archiving stalled: the warm store lacks this seq, so nothing above it can be archived (a persist backlog, or a message the warm store never received: docs/archive.md)');
      }
    }
  }
}

/** How long a conversation stays stalled at one seq before the archiver says so. */
const STALL_WARN_MS = 10 * 60_000;
