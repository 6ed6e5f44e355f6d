// The conversation change log (docs/changes.md): how a change is accepted and how changes are
// read back. A change is accepted like a message, in ONE atomic hot-tier call (HotTier.change:
// cursor, ring, change ring, persist log, live frame); the persist workers then apply it to the
// warm store in log order, idempotently (store/change-store.ts). Reading serves the change
// ring when it holds the range, else the warm store; a range whose changes are still on their
// way to the warm store is waited for briefly (persist-wait.ts), and never served with a hole.
import type { Deps } from '../deps.js';
import { AppError } from '../errors.js';
import type { ChangeInput, ChangeOutcome } from '../hot-tier/hot-tier.js';
import { PersistWait } from './persist-wait.js';
import { refusalError } from './refusal.js';

/** Longest a read waits for changes in flight to the warm store. */
const READ_WAIT_MS = 2000;

export interface ChangePage {
  /** Change JSON, ascending by cursor: the bytes every tier returns. */
  changes: string[];
  /** The conversation's current cursor. */
  cursor: number;
  has_more: boolean;
}

export type ChangeRequest = Omit<ChangeInput, 'changeRingLimit' | 'maxBacklog' | 'conversationId'>;

export class ChangeLog {
  private readonly waits: PersistWait;

  /** `seed` re-creates the hot counters from the warm store (IngestService.seed). */
  constructor(private deps: Deps, private seed: (conversationId: string) => Promise<void>) {
    this.waits = new PersistWait(deps.persisted);
  }

  /**
   * Accepts one change: 'changed' (with its cursor and JSON, already published) or 'conflict'
   * (a message change built on a version the ring no longer holds: nothing was written).
   * Throws BACKPRESSURE when the persist backlog is full; CONVERSATION_NOT_FOUND / MUTED when
   * the request's `actor` is banned / muted as the hot tier runs it (changes/refusal.ts).
   */
  async record(conversationId: string, req: ChangeRequest): Promise<Extract<ChangeOutcome, { status: 'changed' | 'conflict' }>> {
    const { config, hot, metrics } = this.deps;
    for (let attempt = 0; attempt < 3; attempt++) {
      const out = await hot.change({ ...req, conversationId, changeRingLimit: config.changeRingLimit, maxBacklog: config.persistMaxBacklog });
      switch (out.status) {
        case 'changed':
          if (config.ackAfter === 'store') await this.waitStored(conversationId, out.cursor);
          return out;
        case 'conflict':
          return out;
        case 'refused':
          throw refusalError(out, conversationId);
        case 'backlogged':
          metrics.backpressure.inc();
          throw new AppError('BACKPRESSURE', `persist backlog is full (${out.backlog} entries)`, { retryAfterS: 1 });
        case 'unseeded':
          await this.seed(conversationId);
      }
    }
    throw new AppError('UNAVAILABLE', 'hot tier could not be seeded', { retryable: true });
  }

  /** Resolves once the warm store holds the change (ACK_AFTER=store; edits under an archive lease). */
  async waitStored(conversationId: string, cursor: number, timeoutMs = 30_000): Promise<void> {
    // exactly this cursor (a later one committed first by another worker is not it)
    const stored = await this.waits.until(conversationId, async () => (await this.deps.store.countChanges(conversationId, cursor - 1, cursor)) === 1, timeoutMs);
    if (!stored) throw new AppError('UNAVAILABLE', 'change accepted but not yet stored', { retryable: true });
  }

  /** Current cursor per conversation: the hot counter, else the warm store's. */
  async cursors(conversationIds: string[]): Promise<number[]> {
    const hot = await this.deps.hot.lastCursors(conversationIds);
    const missing = conversationIds.filter((_, i) => hot[i] === null);
    const warm = missing.length ? await this.deps.store.changeBounds(missing) : [];
    let w = 0;
    return hot.map((c) => c ?? warm[w++].last);
  }

  /**
   * The changes after `after`, at most `limit`. RELOAD_REQUIRED when `after` is older than the
   * server keeps; has_more when more follow (ask again from the last cursor).
   * The caller has checked membership.
   */
  async read(conversationId: string, after: number, limit: number): Promise<ChangePage> {
    const { hot, store } = this.deps;
    const ring = await hot.readChanges(conversationId, after, limit);
    if (ring && after > ring.lastCursor) throw ahead(after, ring.lastCursor);
    if (ring) return page(ring.changes, ring.lastCursor, after);

    const [[bounds], [current]] = await Promise.all([store.changeBounds([conversationId]), this.cursors([conversationId])]);
    if (after < bounds.floor) {
      throw new AppError('RELOAD_REQUIRED', `cursor ${after} is older than the changes kept for this conversation (from ${bounds.floor + 1}): reload it`);
    }
    if (after > current) throw ahead(after, current);
    const want = Math.min(limit, current - after);
    if (want === 0) return { changes: [], cursor: current, has_more: false };
    let rows = await store.listChanges(conversationId, after, want);
    if (!contiguous(rows, after, want)) {
      await this.waits.until(conversationId, async () => {
        rows = await store.listChanges(conversationId, after, want);
        return contiguous(rows, after, want);
      }, READ_WAIT_MS);
    }
    // Still missing some (a worker is behind): serve the gap-free prefix, never a hole.
    const n = prefixLength(rows, after);
    if (n > 0) return page(rows.slice(0, n), current, after);
    // The very next change is neither in the ring nor stored after the wait, while later ones
    // are: far behind under load, or never coming (a dead-lettered entry). Either way this
    // position cannot be caught up by changes now: reload, rather than answer 503 for ever.
    if (rows.length > 0) throw new AppError('RELOAD_REQUIRED', `change ${after + 1} of this conversation is not available: reload it`);
    throw new AppError('UNAVAILABLE', 'the changes after this cursor are still being stored; retry shortly', { retryable: true, retryAfterS: 1 });
  }
}

/** A client ahead of the server saw changes the server no longer has (hot data lost before it was stored). */
function ahead(after: number, current: number): AppError {
  return new AppError('RELOAD_REQUIRED', `cursor ${after} is ahead of this conversation's change log (at ${current}): reload it`);
}

/** The cursor of a change JSON: `{"type":"…","cursor":N,…` without parsing. */
export function cursorOf(json: string): number {
  const at = json.indexOf('"cursor":') + 9;
  let end = at;
  while (end < json.length && json.charCodeAt(end) >= 48 && json.charCodeAt(end) <= 57) end++;
  return Number(json.slice(at, end));
}

function page(changes: string[], current: number, after: number): ChangePage {
  const last = changes.length ? cursorOf(changes[changes.length - 1]) : after;
  return { changes, cursor: current, has_more: last < current };
}

function prefixLength(rows: string[], after: number): number {
  let n = 0;
  while (n < rows.length && cursorOf(rows[n]) === after + n + 1) n++;
  return n;
}

function contiguous(rows: string[], after: number, want: number): boolean {
  return rows.length === want && prefixLength(rows, after) === want;
}
