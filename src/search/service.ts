// Full-text search over the caller's conversations (docs/search.md), identical whichever tier
// holds a message: the warm store's index (store/search-store.ts, never archived) gives
// candidates newest first, every candidate is matched here on its indexed words (one matcher
// for SQLite FTS5 and PostgreSQL), and the messages are read by seq from whichever tier holds
// them — so a result is the message as history serves it, byte for byte.
// Order: `time` (newest first) or `relevance` (search/query.ts score, then newest first) over
// the RELEVANCE_WINDOW newest matches. Cursors are opaque positions in that order: stable
// while the data stays as it is.
// Freshness: the search first waits (at most 2 s) until the warm store has applied the changes
// the hot tier had accepted in the conversations searched, so an acked edit or delete is
// reflected; `settled: false` says the wait ran out.
import type { Deps } from '../deps.js';
import { AppError } from '../errors.js';
import { parseMessage, type Message } from '../model/message.js';
import type { SearchDoc } from '../store/search-store.js';
import type { ThreadService } from '../threads/service.js';
import { canonicalTime, decodeCursor, encodeCursor } from '../model/cursor.js';
import { highlights, matches, parseQuery, score, snippet, type Term } from './query.js';

/** Relevance ranks at most this many of the newest matches. */
export const RELEVANCE_WINDOW = 1000;
/** Candidates one request looks at, at most; a time-ordered page cut short by it has a next_cursor. */
export const MAX_SCANNED = 20_000;
const BATCH = 200;

export interface SearchParams {
  q: string;
  conversation_id?: string;
  sender?: string;
  thread_id?: string;
  before?: string;
  after?: string;
  limit?: number;
  cursor?: string;
  sort?: 'relevance' | 'time';
}

export interface SearchResult {
  /** The message's canonical JSON (as history serves it). */
  message: string;
  highlights: [number, number][];
  /** An excerpt around the first match, with its own highlights. */
  snippet: { text: string; highlights: [number, number][] };
  score: number;
}

interface Hit extends SearchDoc {
  score: number;
}

export class SearchService {
  constructor(private deps: Deps, private threads: Pick<ThreadService, 'messagesAt' | 'settleAll' | 'load'>) {}

  async search(user: string, p: SearchParams): Promise<{ results: SearchResult[]; next_cursor: string | null; settled: boolean }> {
    const query = parseQuery(p.q);
    const sort = p.sort ?? 'relevance';
    const limit = p.limit ?? 20;
    // compared with the stored created_at (canonical ISO-8601 in both engines): normalise the bounds
    const before = p.before === undefined ? undefined : canonicalTime(p.before, 'before');
    const after = p.after === undefined ? undefined : canonicalTime(p.after, 'after');
    if (before && after && before <= after) throw new AppError('VALIDATION_FAILED', '`before` must be later than `after`');
    const scope = await this.scope(user, p, query.in);
    const sender = p.sender ?? query.from;
    if (p.sender !== undefined && query.from !== undefined && p.sender !== query.from) return { results: [], next_cursor: null, settled: true };
    const settled = await this.threads.settleAll(scope.conversationIds);
    const position = p.cursor ? cursorPosition(p.cursor, sort) : undefined;

    const filter = { conversationIds: scope.conversationIds, sender, threadId: scope.threadId, before, after, terms: query.terms };
    let hits: Hit[];
    let stoppedAt: Hit | undefined;
    if (sort === 'time') {
      ({ hits, stoppedAt } = await this.collect(filter, query.terms, limit + 1, position));
    } else {
      // relevance ranks what one budget of candidates holds (RELEVANCE_WINDOW matches at most)
      hits = (await this.collect(filter, query.terms, RELEVANCE_WINDOW)).hits
        .sort((a, b) => b.score - a.score || newestFirst(a, b));
      if (position) hits = hits.filter((h) => h.score < position.score! || (h.score === position.score && newestFirst(position, h) < 0));
    }
    const page = hits.slice(0, limit);
    const more = hits.length > limit;
    const messages = await this.read(page);
    const results = page.map((h, i) => {
      const marks = highlights(messages[i].message.text, query.terms);
      return { message: messages[i].json, highlights: marks, snippet: snippet(messages[i].message.text, marks), score: h.score };
    });
    const last = page[page.length - 1];
    // a time page cut short by the scan budget goes on from where the scan stopped
    const next = more ? positionCursor(last, sort) : stoppedAt ? positionCursor(stoppedAt, sort) : null;
    return { results, next_cursor: next, settled };
  }

  /** The conversations searched: all the user's, or the one named (any other is CONVERSATION_NOT_FOUND, like a conversation that does not exist). */
  private async scope(user: string, p: SearchParams, inConversation?: string): Promise<{ conversationIds: string[]; threadId?: string }> {
    const mine = (await this.deps.store.listConversations(user)).map((c) => c.id);
    let ids = mine;
    for (const named of [p.conversation_id, inConversation]) {
      if (named === undefined) continue;
      if (!ids.includes(named)) throw new AppError('CONVERSATION_NOT_FOUND', `conversation ${named} not found`);
      ids = [named];
    }
    if (p.thread_id === undefined) return { conversationIds: ids };
    const root = await this.threads.load(user, p.thread_id);
    return { conversationIds: ids.includes(root.conversation_id) ? [root.conversation_id] : [], threadId: root.id };
  }

  /** Matches newest first, batch by batch, until `want` or the index has no more. */
  /**
   * Matches newest first, batch by batch, until `want`, the index has no more, or MAX_SCANNED
   * candidates were looked at (a query the engine cannot narrow — from: alone, a prefix it cannot
   * express — must not read the whole index in one request): then `stoppedAt` is the last one
   * looked at, where the next page goes on.
   */
  private async collect(
    filter: Omit<Parameters<Deps['search']['searchCandidates']>[0], 'limit' | 'olderThan'>, terms: Term[], want: number, from?: Position,
  ): Promise<{ hits: Hit[]; stoppedAt?: Hit }> {
    const hits: Hit[] = [];
    let olderThan = from && { created_at: from.created_at, conversation_id: from.conversation_id, seq: from.seq };
    for (let scanned = 0; ;) {
      const docs = await this.deps.search.searchCandidates({ ...filter, olderThan, limit: BATCH });
      for (const d of docs) {
        const words = d.words ? d.words.split(' ') : [];
        if (matches(words, terms)) hits.push({ ...d, score: score(words, terms) });
        if (hits.length >= want) return { hits };
      }
      scanned += docs.length;
      if (docs.length < BATCH) return { hits };
      const last = docs[docs.length - 1];
      if (scanned >= MAX_SCANNED) return { hits, stoppedAt: { ...last, score: 0 } };
      olderThan = { created_at: last.created_at, conversation_id: last.conversation_id, seq: last.seq };
    }
  }

  private async read(hits: Hit[]): Promise<{ json: string; message: Message }[]> {
    const byConversation = new Map<string, number[]>();
    for (const h of hits) byConversation.set(h.conversation_id, [...(byConversation.get(h.conversation_id) ?? []), h.seq]);
    const found = new Map<string, string>();
    for (const [conversationId, seqs] of byConversation) {
      const sorted = [...new Set(seqs)].sort((a, b) => a - b);
      const list = await this.threads.messagesAt(conversationId, sorted);
      sorted.forEach((s, i) => found.set(`${conversationId} ${s}`, list[i]));
    }
    return hits.map((h) => {
      const json = found.get(`${h.conversation_id} ${h.seq}`)!;
      return { json, message: parseMessage(json) };
    });
  }
}

interface Position {
  score?: number;
  created_at: string;
  conversation_id: string;
  seq: number;
}

function newestFirst(a: Position, b: Position): number {
  if (a.created_at !== b.created_at) return a.created_at < b.created_at ? 1 : -1;
  if (a.conversation_id !== b.conversation_id) return a.conversation_id < b.conversation_id ? 1 : -1;
  return b.seq - a.seq;
}

function positionCursor(h: Hit, sort: 'relevance' | 'time'): string {
  return encodeCursor([sort, h.created_at, h.conversation_id, h.seq, ...(sort === 'relevance' ? [h.score] : [])]);
}

function cursorPosition(cursor: string, sort: 'relevance' | 'time'): Position {
  const [, created_at, conversation_id, seq, s] = decodeCursor(cursor, [`=${sort}`, 'time', 'id', 'seq', ...(sort === 'relevance' ? ['number' as const] : [])]);
  return { created_at, conversation_id, seq: Number(seq), ...(sort === 'relevance' ? { score: Number(s) } : {}) };
}
