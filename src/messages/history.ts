// History pages: served from the hot ring when it covers the range, else from the warm store
// (and, below the warm store's lowest row, from the cold archive). Every tier returns the same
// canonical JSON per message, so a page is byte-identical whichever tier answered.
// has_more: for a latest/`before` page, whether older messages exist; for `after`, newer ones.
import type { Access } from '../conversations/access.js';
import type { Deps } from '../deps.js';
import { AppError } from '../errors.js';
import { messageJson, parseMessage, type Message } from '../model/message.js';
import { PersistWait } from '../changes/persist-wait.js';
import type { HistoryQuery } from './schemas.js';
import type { ChangeStore } from '../store/change-store.js';

export interface Page {
  /** Canonical JSON of each message, ascending by seq. */
  messages: string[];
  has_more: boolean;
  /** Highest seq in the page (0 if empty). */
  lastSeq: number;
  tier: 'hot' | 'warm' | 'cold' | 'mixed';
}

/** Reads ranges below the warm store from the archive; wired in when the archive exists. */
export interface ColdReader {
  readRange(conversationId: string, range: { beforeSeq?: number; afterSeq?: number; limit: number }): Promise<Message[]>;
}

/** A cold reader that names the archive state a read came from (archive.ts: the manifest). */
export interface StampedColdReader extends ColdReader {
  readRangeStamped(conversationId: string, range: { beforeSeq?: number; afterSeq?: number; limit: number }): Promise<{ rows: Message[]; stamp: string }>;
  stamp(conversationId: string): Promise<string>;
}

/**
 * The archive as history reads it: its rows with the overlays of the warm store applied (an
 * archived message edited or deleted since, at a higher version), one indexed query per page.
 * A fold (archive.ts) rewrites a file with its overlays' versions, commits the manifest, then
 * drops the overlays: rows read before it with overlays read after it would serve an old
 * version. So the page stands only if the manifest it was read from is still the current one
 * after the overlays were read; else it is read again (a fold is rare: three tries, then the
 * last answer).
 */
export function withOverlays(cold: StampedColdReader, store: Pick<ChangeStore, 'listOverlays'>): ColdReader {
  return {
    async readRange(conversationId, range) {
      for (let attempt = 1; ; attempt++) {
        const { rows, stamp } = await cold.readRangeStamped(conversationId, range);
        if (rows.length === 0) return rows;
        const over = await store.listOverlays(conversationId, rows[0].seq, rows[rows.length - 1].seq);
        if (attempt < 3 && (await cold.stamp(conversationId)) !== stamp) continue;
        if (over.length === 0) return rows;
        const bySeq = new Map(over.map((o) => [o.seq, o]));
        return rows.map((r) => {
          const o = bySeq.get(r.seq);
          return o && o.version > r.version ? o : r;
        });
      }
    },
  };
}

/** How far below the latest edit/delete a page checks that every change is stored (more than persist batches in flight). */
const CHANGE_WINDOW = 2000;

/** Longest a page waits for rows in flight before it is served as the stores have it. */
const PAGE_WAIT_MS = 2000;

export class HistoryService {
  private readonly waits: PersistWait;

  constructor(private deps: Deps, private access: Access, private cold?: ColdReader) {
    this.waits = new PersistWait(deps.persisted);
  }

  async page(user: string, conversationId: string, q: HistoryQuery): Promise<Page> {
    if (q.before !== undefined && q.after !== undefined) throw new AppError('VALIDATION_FAILED', 'use either `before` or `after`, not both');
    await this.access.requireMember(conversationId, user);
    const limit = q.limit ?? 50;
    const range = { beforeSeq: q.before, afterSeq: q.after, limit };

    const hot = await this.deps.hot.readRecent(conversationId, range);
    if (hot) {
      const seqs = hot.messages.length ? [seqOf(hot.messages[0]), seqOf(hot.messages[hot.messages.length - 1])] : [0, 0];
      const has_more = q.after !== undefined
        ? hot.messages.length > 0 ? seqs[1] < hot.lastSeq : false
        : hot.messages.length > 0 ? seqs[0] > 1 : false;
      return { messages: hot.messages.map(currentShape), has_more, lastSeq: seqs[1], tier: 'hot' };
    }
    // A range below the ring may still be in flight to the warm store (a burst larger than the
    // ring): wait briefly (persist-wait.ts) for a contiguous answer rather than serve a page
    // with holes. Likewise the latest edit/delete accepted: once answered, it is never read back
    // at the old version from the warm store or the archive. Only what the hot tier assigned is
    // waited for, at most PAGE_WAIT_MS.
    const [[hotLast], lastChange] = await Promise.all([this.deps.hot.lastSeqs([conversationId]), this.deps.hot.lastMessageChange(conversationId)]);
    // every change up to it, not only it: two workers may commit an earlier edit after a later one
    let from: number | undefined;
    const changeStored = async () => {
      if (lastChange === 0) return true;
      from ??= Math.min(lastChange, Math.max((await this.deps.store.changeBounds([conversationId]))[0].floor, lastChange - CHANGE_WINDOW));
      return (await this.deps.store.countChanges(conversationId, from, lastChange)) === lastChange - from;
    };
    // stored BEFORE the page is read: a commit between the read and the check would pass a stale page
    const stored = await changeStored();
    let page = await this.fromStores(conversationId, range);
    if ((hotLast === null || complete(page, range, hotLast)) && stored) return page;
    let current = stored; // the page was read after every change up to lastChange was stored
    await this.waits.until(conversationId, async () => {
      if (!current && !(await changeStored())) return false;
      current = true;
      page = await this.fromStores(conversationId, range);
      return hotLast === null || complete(page, range, hotLast);
    }, PAGE_WAIT_MS);
    // The warm store is further behind than the wait (a backlog under load): the edits and
    // deletes it lacks are in the hot tier's change ring; apply them over the page.
    if (!current && from !== undefined) page = await this.withPending(conversationId, page, Math.max(from, lastChange - this.deps.config.changeRingLimit), lastChange);
    return page;
  }

  /** The page with the edits/deletes of cursors (from, upTo] from the change ring over older versions; as it was when the ring no longer holds them. */
  private async withPending(conversationId: string, page: Page, from: number, upTo: number): Promise<Page> {
    const ring = await this.deps.hot.readChanges(conversationId, from, upTo - from);
    if (!ring) return page;
    const latest = new Map<number, Message>();
    for (const c of ring.changes) {
      if (!c.startsWith('{"type":"edit"') && !c.startsWith('{"type":"delete"')) continue;
      const m = (JSON.parse(c) as { message: Message }).message;
      if ((latest.get(m.seq)?.version ?? -1) < m.version) latest.set(m.seq, m);
    }
    if (latest.size === 0) return page;
    const messages = page.messages.map((json) => {
      const m = latest.get(seqOf(json));
      return m && m.version > (parseMessage(json).version) ? messageJson(m) : json;
    });
    return { ...page, messages };
  }

  /** Warm store first; the archive fills what lies below the warm store's lowest row. */
  private async fromStores(conversationId: string, range: { beforeSeq?: number; afterSeq?: number; limit: number }): Promise<Page> {
    const { store } = this.deps;
    const probe = { ...range, limit: range.limit + 1 };
    let rows = await store.listMessages(conversationId, probe);
    let tier: Page['tier'] = 'warm';
    if (this.cold) {
      const want = range.limit + 1;
      if (range.afterSeq !== undefined) {
        // Rows missing right after the cursor live in the archive.
        const firstWarm = rows.length ? rows[0].seq : Infinity;
        if (firstWarm > range.afterSeq + 1) {
          const cold = await this.cold.readRange(conversationId, { afterSeq: range.afterSeq, limit: want });
          const coldRows = cold.filter((m) => m.seq < firstWarm);
          if (coldRows.length) {
            rows = [...coldRows, ...rows].slice(0, want);
            tier = rows.length > coldRows.length ? 'mixed' : 'cold';
          }
        }
      } else if (rows.length < want && !(rows.length && rows[0].seq === 1) && (range.beforeSeq ?? Infinity) > 1) {
        // Short of a full page and not already down to seq 1: older rows may be archived.
        const lowestWarm = rows.length ? rows[0].seq : range.beforeSeq ?? Infinity;
        const need = want - rows.length;
        const cold = await this.cold.readRange(conversationId, { beforeSeq: lowestWarm === Infinity ? undefined : lowestWarm, limit: need });
        if (cold.length) {
          tier = rows.length ? 'mixed' : 'cold';
          rows = [...cold, ...rows];
        }
      }
    }
    const has_more = rows.length > range.limit;
    if (has_more) rows = range.afterSeq !== undefined ? rows.slice(0, range.limit) : rows.slice(rows.length - range.limit);
    return { messages: rows.map(messageJson), has_more, lastSeq: rows.length ? rows[rows.length - 1].seq : 0, tier };
  }
}

function complete(page: Page, range: { beforeSeq?: number; afterSeq?: number }, lastSeq: number): boolean {
  const seqs = page.messages.map(seqOf);
  for (let i = 1; i < seqs.length; i++) if (seqs[i] !== seqs[i - 1] + 1) return false;
  const top = Math.min((range.beforeSeq ?? Infinity) - 1, lastSeq);
  if (range.afterSeq === undefined && top >= 1 && seqs[seqs.length - 1] !== top) return false;
  if (seqs.length === 0) return range.afterSeq === undefined || range.afterSeq >= lastSeq;
  if (range.afterSeq !== undefined && seqs[0] !== range.afterSeq + 1) return false;
  return true;
}

/**
 * A ring entry in today's shape: entries written before threads and mentions (an upgrade; they
 * leave the ring as new messages come) get the fields' defaults, as the warm store gives them.
 */
function currentShape(json: string): string {
  return json.includes('"thread_id":') ? json : messageJson(parseMessage(json));
}

function seqOf(json: string): number {
  // The canonical JSON puts seq third: {"id":"…","conversation_id":"…","seq":N,…}
  const at = json.indexOf('"seq":') + 6;
  return Number.parseInt(json.slice(at, json.indexOf(',', at)), 10);
}
