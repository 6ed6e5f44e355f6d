// The upload sweep (docs/attachments.md), run by every process every UPLOAD_SWEEP_INTERVAL_S:
//   1. a pending upload (never attached) created more than UPLOAD_TTL_S ago — and whose upload URL
//      has expired, so no PUT can land after its row is gone — is released;
//   2. a claim that old is a send that died between its claim and the settling of its outcome
//      (or whose hot-tier call failed without telling whether it stored the message): attached
//      when its message exists (warm store, in flight, or archived) or another attempt of the
//      same send stored one naming it (claim-owner.ts), else released;
//   3. every released upload (those, and the files of deleted messages) loses its object, then
//      its row. An object that cannot be deleted now is logged and skipped (kept released, tried
//      again next run): one bad object never stops the rest.
// Each step is a conditional write on the row's state (UploadStore): several processes sweeping at
// once, or a send claiming an upload the sweep is looking at, never both win. An object deleted
// but whose row survives (a crash between the two) is deleted again next time: deletes are
// idempotent.
import type { Deps } from '../deps.js';
import { sleep, type Service } from '../workers/service.js';
import { claimOwner } from './claim-owner.js';

export interface SweepResult {
  /** Pending uploads past UPLOAD_TTL_S released. */
  expired: number;
  /** Stale claims whose message exists, attached. */
  attached: number;
  /** Objects (and rows) deleted. */
  deleted: number;
  /** Released uploads whose object could not be deleted this time (logged; tried again next run). */
  failed: number;
}

type Log = { warn(obj: object, msg?: string): void };

const BATCH = 500;

type SweepDeps = Pick<Deps, 'config' | 'store' | 'hot' | 'archive' | 'attachments'>;

/** One sweep as of `now` (tests pass a later time instead of waiting). */
export async function sweepUploads(deps: SweepDeps, now = Date.now(), log?: Log): Promise<SweepResult> {
  const out: SweepResult = { expired: 0, attached: 0, deleted: 0, failed: 0 };
  if (!deps.attachments) return out;
  const { uploads, files } = deps.attachments;
  const { config } = deps;
  const at = new Date(now).toISOString();
  const cutoff = new Date(now - Math.max(config.uploadTtlS, config.uploadUrlTtlS) * 1000).toISOString();
  out.expired = await uploads.expirePending(cutoff, at);
  for (;;) {
    const stale = await uploads.staleClaims(cutoff, BATCH);
    for (const u of stale) {
      const owner = await claimOwner(deps, u);
      if ((await uploads.settleStale(u.id, u.message_id!, owner, at)) && owner !== null) out.attached++;
    }
    if (stale.length < BATCH) break;
  }
  // paged past each batch (keyset): rows whose object could not be deleted stay behind, not in the way
  let after: { released_at: string; id: string } | undefined;
  for (;;) {
    const released = await uploads.listReleased(BATCH, after);
    for (const u of released) {
      try {
        await files.delete(u.object_key);
      } catch (err) {
        out.failed++;
        log?.warn({ err, upload: u.id, key: u.object_key }, 'deleting a released upload\'s object failed; kept for the next sweep');
        continue;
      }
      await uploads.deleteReleased(u.id);
      out.deleted++;
    }
    if (released.length < BATCH) break;
    const last = released[released.length - 1];
    after = { released_at: last.released_at!, id: last.id };
  }
  return out;
}

/** The sweep as a background service: a failed run is logged and tried again next interval. */
export function uploadSweeper(deps: SweepDeps, logger: { warn(obj: object, msg?: string): void; info(obj: object, msg?: string): void }): Service {
  return {
    name: 'upload-sweep',
    async run(signal) {
      while (!signal.aborted) {
        try {
          const r = await sweepUploads(deps, Date.now(), logger);
          if (r.expired || r.attached || r.deleted || r.failed) logger.info({ ...r }, 'uploads swept');
        } catch (err) {
          logger.warn({ err }, 'upload sweep failed; retrying next interval');
        }
        await sleep(deps.config.uploadSweepIntervalS * 1000, signal);
      }
    },
  };
}
