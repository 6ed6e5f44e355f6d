// One archiving run, as the archiver service, POST /v1/exports and `strata archive` all do it:
// pick the conversations (a retention policy, or one conversation up to a seq), then archive
// them one after another, each under the lease `archive:<conversation>` (src/workers/leases.ts)
// so that two processes never archive the same conversation at once (Archive's converge step
// deletes unlisted files: another archiver's fresh upload would be one of them).
// Progress is exact: rows count once their manifest is committed (the archiver deletes warm
// rows up to the new watermark right after each commit; that call is what we count).
// A failure of one conversation is recorded and the run moves on; the next run converges it.
import type { Archive, ArchiveResult, ArchiveSource, RetentionPolicy } from './archive.js';
import { isAppError } from '../errors.js';
import { newHolder, takeLease, type Leases } from '../store/leases.js';

export interface ArchiveRequest {
  /** Only this conversation. */
  conversationId?: string;
  /** Archive through this seq (with conversationId); otherwise the policy decides. */
  upToSeq?: number;
  policy: RetentionPolicy;
}

export interface ArchiveProgress {
  conversations_done: number;
  conversations_total: number;
  rows_archived: number;
}

export interface RunOptions {
  /** Wait for a conversation another archiver holds (jobs) rather than skip it (the interval service). */
  waitForLease: boolean;
  leaseTtlMs?: number;
  signal?: AbortSignal;
  onProgress?: (p: ArchiveProgress) => void;
}

export interface RunOutcome {
  progress: ArchiveProgress;
  results: ArchiveResult[];
  /** Conversations skipped because another archiver held them. */
  skipped: string[];
  errors: { conversationId: string; error: string }[];
}

export const LEASE_TTL_MS = 60_000;

export async function runArchive(archive: Archive, source: ArchiveSource, leases: Leases, req: ArchiveRequest, opts: RunOptions): Promise<RunOutcome> {
  const candidates = req.conversationId !== undefined && req.upToSeq !== undefined
    ? [{ conversationId: req.conversationId, upToSeq: req.upToSeq }]
    : (await source.conversationsToArchive(req.policy)).filter((c) => req.conversationId === undefined || c.conversationId === req.conversationId);
  const progress: ArchiveProgress = { conversations_done: 0, conversations_total: candidates.length, rows_archived: 0 };
  const out: RunOutcome = { progress, results: [], skipped: [], errors: [] };
  opts.onProgress?.({ ...progress });
  const holder = newHolder();
  for (const c of candidates) {
    if (opts.signal?.aborted) break;
    const lease = await takeLease(leases, `archive:${c.conversationId}`, holder, { ttlMs: opts.leaseTtlMs ?? LEASE_TTL_MS, wait: opts.waitForLease, signal: opts.signal });
    if (!lease) {
      out.skipped.push(c.conversationId);
    } else {
      try {
        let through = await archive.archivedThrough(c.conversationId);
        const counting: ArchiveSource = {
          listForArchive: (id, after, upTo, limit) => source.listForArchive(id, after, upTo, limit),
          conversationsToArchive: (p, now) => source.conversationsToArchive(p, now),
          listOverlays: (id, from, to) => source.listOverlays(id, from, to),
          dropOverlays: (id, folded) => source.dropOverlays(id, folded),
          async deleteArchived(id, upTo, archived) {
            if (upTo > through) {
              progress.rows_archived += upTo - through;
              through = upTo;
              opts.onProgress?.({ ...progress });
            }
            return source.deleteArchived(id, upTo, archived);
          },
        };
        // a run is crash-safe and converges when repeated: a transient failure (a deadlock with a
        // persist batch, a blip of the store) is tried again, twice, before it counts as an error
        for (let attempt = 1; ; attempt++) {
          try {
            out.results.push(await archive.archiveConversation(counting, c.conversationId, c.upToSeq));
            break;
          } catch (e) {
            if (!(isAppError(e) && e.retryable) || attempt >= 3 || opts.signal?.aborted) throw e;
            await new Promise((r) => setTimeout(r, 200 * attempt));
          }
        }
        if (!lease.held) out.errors.push({ conversationId: c.conversationId, error: 'lease lost during the run (stalled longer than its ttl)' });
      } catch (e) {
        out.errors.push({ conversationId: c.conversationId, error: (e as Error).message });
      } finally {
        await lease.release();
      }
    }
    progress.conversations_done++;
    opts.onProgress?.({ ...progress });
  }
  return out;
}
