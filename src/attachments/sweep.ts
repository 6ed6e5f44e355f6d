// The upload sweep (docs/attachments.md), run by every process every UPLOAD_SWEEP_INTERVAL_S:
//   1. a pending upload (never attached) created more than UPLOAD_TTL_S ago — and whose upload URL
//      has expired, so no PUT can land after its row is gone — is released;
//   2. a claim that old is a send that died between its claim and the settling of its outcome:
//      attached when its message exists (warm store, in flight, or archived), else released;
//   3. every released upload (those, and the files of deleted messages) loses its object, then
//      its row.
// Each step is a conditional write on the row's state (UploadStore): several processes sweeping at
// once, or a send claiming an upload the sweep is looking at, never both win. An object deleted
// but whose row survives (a crash between the two) is deleted again next time: deletes are
// idempotent.
import type { Deps } from '../deps.js';
import { sleep, type Service } from '../workers/service.js';

export interface SweepResult {
  /** Pending uploads past UPLOAD_TTL_S released. */
  expired: number;
  /** Stale claims whose message exists, attached. */
  attached: number;
  /** Objects (and rows) deleted. */
  deleted: number;
}

const BATCH = 500;

type SweepDeps = Pick<Deps, 'config' | 'store' | 'hot' | 'archive' | 'attachments'>;

/** One sweep as of `now` (tests pass a later time instead of waiting). */
export async function sweepUploads(deps: SweepDeps, now = Date.now()): Promise<SweepResult> {
  const out: SweepResult = { expired: 0, attached: 0, deleted: 0 };
  if (!deps.attachments) return out;
  const { uploads, files } = deps.attachments;
  const { config } = deps;
  const at = new Date(now).toISOString();
  const cutoff = new Date(now - Math.max(config.uploadTtlS, config.uploadUrlTtlS) * 1000).toISOString();
  out.expired = await uploads.expirePending(cutoff, at);
  for (;;) {
    const stale = await uploads.staleClaims(cutoff, BATCH);
    for (const u of stale) {
      const exists = await messageExists(deps, u.conversation_id, u.message_id!);
      if ((await uploads.settleStale(u.id, u.message_id!, exists, at)) && exists) out.attached++;
    }
    if (stale.length < BATCH) break;
  }
  for (;;) {
    const released = await uploads.listReleased(BATCH);
    for (const u of released) {
      await files.delete(u.object_key);
      await uploads.deleteReleased(u.id);
      out.deleted++;
    }
    if (released.length < BATCH) break;
  }
  return out;
}

async function messageExists(deps: SweepDeps, conversationId: string, messageId: string): Promise<boolean> {
  const row = await deps.store.getMessage(messageId);
  if (row) return row.conversation_id === conversationId;
  if (await deps.hot.locateInFlight(messageId)) return true;
  return !!deps.archive && (await deps.archive.findMessage([conversationId], messageId)) !== null;
}

/** The sweep as a background service: a failed run is logged and tried again next interval. */
export function uploadSweeper(deps: SweepDeps, logger: { warn(obj: object, msg?: string): void; info(obj: object, msg?: string): void }): Service {
  return {
    name: 'upload-sweep',
    async run(signal) {
      while (!signal.aborted) {
        try {
          const r = await sweepUploads(deps);
          if (r.expired || r.attached || r.deleted) logger.info({ ...r }, 'uploads swept');
        } catch (err) {
          logger.warn({ err }, 'upload sweep failed; retrying next interval');
        }
        await sleep(deps.config.uploadSweepIntervalS * 1000, signal);
      }
    },
  };
}
