// The audit archiver (docs/moderation.md#audit-log): every ARCHIVE_INTERVAL_S, moves audit entries
// older than AUDIT_ARCHIVE_DAYS into the archive (audit-archive.ts). Runs beside the message
// archiver wherever an archive is wired (`strata start` with WORKERS=true, `strata worker`); any
// number may run: the lease `audit-archive` lets one at a time work (the others skip the tick).
// A run stops between batches when the signal aborts (each batch is crash-safe anyway).
// (A Service of workers/service.ts by shape; not imported: workers/ depends on domains that
// record into the audit log.)
import { setTimeout as wait } from 'node:timers/promises';
import type { AuditStore } from '../store/audit-store.js';
import { newHolder, takeLease, type Leases } from '../store/leases.js';
import type { AuditArchive, AuditArchiveResult } from './audit-archive.js';

export const AUDIT_ARCHIVE_LEASE = 'audit-archive';

export interface AuditArchiverLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface AuditArchiverOptions {
  days: number;
  intervalMs: number;
  leaseTtlMs?: number;
  logger: AuditArchiverLogger;
}

/** One run under the lease; null when another archiver holds it. */
export async function runAuditArchive(archive: AuditArchive, store: AuditStore, leases: Leases, cutoff: string, opts: {
  leaseTtlMs?: number; onBatch?: (r: AuditArchiveResult) => void;
}): Promise<AuditArchiveResult | null> {
  const lease = await takeLease(leases, AUDIT_ARCHIVE_LEASE, newHolder(), { ttlMs: opts.leaseTtlMs ?? 60_000, wait: false });
  if (!lease) return null;
  try {
    return await archive.archive(store, cutoff, (r) => {
      // a stalled run past the ttl may overlap another archiver's: stop at the next batch
      if (!lease.held) throw new Error('audit archive lease lost during the run (stalled longer than its ttl)');
      opts.onBatch?.(r);
    });
  } finally {
    await lease.release();
  }
}

export function auditArchiver(archive: AuditArchive, store: AuditStore, leases: Leases, o: AuditArchiverOptions) {
  return {
    name: 'audit-archiver',
    async run(signal: AbortSignal): Promise<void> {
      if (o.days <= 0) return; // AUDIT_ARCHIVE_DAYS=0: the audit log stays in the warm store
      while (!signal.aborted) {
        const cutoff = new Date(Date.now() - o.days * 86_400_000).toISOString();
        try {
          const r = await runAuditArchive(archive, store, leases, cutoff, {
            leaseTtlMs: o.leaseTtlMs,
            onBatch: (b) => o.logger.info({ rows: b.archived, removed: b.removed, files: b.files.length, archived_through: b.archivedThrough }, 'audit archive batch'),
          });
          if (r && (r.archived || r.removed)) {
            o.logger.info({ rows: r.archived, removed: r.removed, files: r.files, archived_through: r.archivedThrough, cutoff }, 'audit archiver run');
          }
        } catch (err) {
          o.logger.warn({ err }, 'audit archiver run failed; retrying next interval');
        }
        await wait(o.intervalMs, undefined, { signal }).catch(() => undefined); // aborted: the loop ends
      }
    },
  };
}
