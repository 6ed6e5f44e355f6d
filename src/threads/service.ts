// Threads (docs/threads.md): a reply names its root with `thread_id`; threads are one level
// deep. Every reply is a message of the conversation like any other — its own seq in the one
// gap-free sequence, a `message` change in the log, a live frame to every member — and carries
// `thread_id` and `in_timeline` (shown in the main timeline too, Slack's "also send to the
// conversation"). A thread's summary and its pages come from the warm store's thread index
// (store/thread-store.ts), which the persist workers write in the transaction that stores the
// reply and the archiver never moves; the messages themselves are read by seq from whichever
// tier holds them (ring, warm store, archive with overlays), so a thread reads the same before
// and after archiving.
// Freshness: a page or summary first waits (at most SETTLE_MS) until the warm store has applied
// every change the hot tier had accepted when the request came in; a reply acked before the
// request is in it unless the persist workers are further behind than that (then the answer is
// what the warm store has, and says so with `settled: false`).
import type { Access } from '../conversations/access.js';
import type { Deps } from '../deps.js';
import { AppError } from '../errors.js';
import { decodeCursor, encodeCursor } from '../model/cursor.js';
import { messageJson, parseMessage, type Message } from '../model/message.js';
import { PersistWait } from '../changes/persist-wait.js';
import type { ColdReader } from '../messages/history.js';
import type { ThreadSummary, UserThread } from '../store/thread-store.js';
import type { SendBody } from '../messages/schemas.js';
import type { Placement } from '../messages/ingest.js';

const SETTLE_MS = 2000;
const MAX_MENTIONS = 50;

export interface ThreadPage {
  thread: ThreadSummary;
  /** Canonical JSON of each reply, ascending by seq. */
  messages: string[];
  has_more: boolean;
  settled: boolean;
}


export class ThreadService {
  private readonly waits: PersistWait;

  /** `load`: a message at its latest version from any tier, if it is in a conversation of the user (messages/edits.ts). */
  constructor(private deps: Deps, private access: Access, private loader: (user: string, id: string) => Promise<Message>, private cold?: ColdReader) {
    this.waits = new PersistWait(deps.persisted);
  }

  /** A message at its latest version from any tier, if it is in a conversation of the user (else MESSAGE_NOT_FOUND). */
  load(user: string, id: string): Promise<Message> {
    return this.loader(user, id);
  }

  /**
   * Validates a send's thread and mentions and opens the thread (records its root) before the
   * reply is accepted, so the persist worker can count it. Throws THREAD_ROOT_INVALID or
   * MENTION_NOT_MEMBER; changes nothing then.
   */
  async place(user: string, conversationId: string, body: Pick<SendBody, 'thread_id' | 'also_in_conversation' | 'mentions'>): Promise<Placement> {
    const mentions = await this.checkMentions(conversationId, body.mentions);
    if (body.also_in_conversation && !body.thread_id) throw new AppError('VALIDATION_FAILED', '`also_in_conversation` needs a `thread_id`');
    if (!body.thread_id) return { thread_id: null, in_timeline: true, mentions };
    const invalid = (why: string) => new AppError('THREAD_ROOT_INVALID', `thread_id ${body.thread_id} ${why}`);
    const root = await this.load(user, body.thread_id).catch((e) => {
      throw e instanceof AppError && e.code === 'MESSAGE_NOT_FOUND' ? invalid('names no message of this conversation') : e;
    });
    if (root.conversation_id !== conversationId) throw invalid('names no message of this conversation');
    if (root.thread_id !== null) throw invalid('is itself a reply in a thread; reply in its thread instead (threads are one level deep)');
    await this.deps.threads.openThread({ conversation_id: conversationId, id: root.id, seq: root.seq, sender: root.sender });
    return { thread_id: root.id, in_timeline: body.also_in_conversation ?? false, mentions };
  }

  /** Sorted and unique; each a member of the conversation. */
  async checkMentions(conversationId: string, mentions: string[] | undefined): Promise<string[]> {
    if (!mentions?.length) return [];
    const unique = [...new Set(mentions)].sort();
    if (unique.length !== mentions.length || unique.length > MAX_MENTIONS) throw new AppError('MENTION_NOT_MEMBER', `mentions must be distinct users, at most ${MAX_MENTIONS}`);
    const conv = await this.deps.store.getConversation(conversationId);
    const members = new Set(conv?.members.map((m) => m.user));
    const outside = unique.filter((u) => !members.has(u));
    if (outside.length) throw new AppError('MENTION_NOT_MEMBER', `not members of this conversation: ${outside.join(', ')}`);
    return unique;
  }

  /** A thread's summary with its root message. */
  async get(user: string, rootId: string): Promise<{ root: Message; thread: ThreadSummary; settled: boolean }> {
    const root = await this.load(user, rootId);
    const settled = await this.settle(root.conversation_id);
    return { root, thread: (await this.deps.threads.getThread(root.conversation_id, root.id)) ?? empty(root), settled };
  }

  /** A page of the thread's replies, ascending by seq; `before`/`after` are seqs (exclusive). */
  async replies(user: string, rootId: string, q: { before?: number; after?: number; limit?: number }): Promise<ThreadPage> {
    if (q.before !== undefined && q.after !== undefined) throw new AppError('VALIDATION_FAILED', 'use either `before` or `after`, not both');
    const root = await this.load(user, rootId);
    const conversationId = root.conversation_id;
    const settled = await this.settle(conversationId);
    const limit = q.limit ?? 50;
    const seqs = await this.deps.threads.replySeqs(conversationId, root.id, { beforeSeq: q.before, afterSeq: q.after, limit: limit + 1 });
    const has_more = seqs.length > limit;
    const page = has_more ? (q.after !== undefined ? seqs.slice(0, limit) : seqs.slice(1)) : seqs;
    const messages = await this.messagesAt(conversationId, page);
    const thread = (await this.deps.threads.getThread(conversationId, root.id)) ?? empty(root);
    return { thread, messages, has_more, settled };
  }

  /** Threads of a conversation with at least one reply, latest activity first. */
  async list(user: string, conversationId: string, q: { before?: number; limit?: number }): Promise<{ threads: ThreadSummary[]; settled: boolean }> {
    await this.access.requireMember(conversationId, user);
    const settled = await this.settle(conversationId);
    return { threads: await this.deps.threads.listThreads(conversationId, { beforeSeq: q.before, limit: q.limit ?? 50 }), settled };
  }

  /** The user's threads (started or replied in) across conversations, with unread counts. */
  async mine(user: string, q: { limit?: number; cursor?: string }): Promise<UserThread[]> {
    let before: { at: string; conversationId: string; rootId: string } | undefined;
    if (q.cursor) {
      const [at, conversationId, rootId] = decodeCursor(q.cursor, ['time', 'id', 'id']);
      before = { at, conversationId, rootId };
    }
    await this.settleAll((await this.deps.store.listConversations(user)).map((c) => c.id));
    return this.deps.threads.listUserThreads(user, { before, limit: q.limit ?? 50 });
  }

  /** Messages that mention the user across their conversations, newest first; `cursor` from the previous page. */
  async mentionsOf(user: string, q: { limit?: number; cursor?: string }): Promise<{ messages: string[]; next_cursor: string | null }> {
    let before: { at: string; conversationId: string; seq: number } | undefined;
    if (q.cursor) {
      const [at, conversationId, seq] = decodeCursor(q.cursor, ['time', 'id', 'seq']);
      before = { at, conversationId, seq: Number(seq) };
    }
    const limit = q.limit ?? 50;
    await this.settleAll((await this.deps.store.listConversations(user)).map((c) => c.id));
    const rows = await this.deps.threads.listMentions(user, { before, limit: limit + 1 });
    const page = rows.slice(0, limit);
    const byConversation = new Map<string, number[]>();
    for (const r of page) byConversation.set(r.conversation_id, [...(byConversation.get(r.conversation_id) ?? []), r.seq]);
    const json = new Map<string, string>();
    for (const [conversationId, seqs] of byConversation) {
      const sorted = [...seqs].sort((a, b) => a - b);
      const list = await this.messagesAt(conversationId, sorted);
      sorted.forEach((s, i) => json.set(`${conversationId} ${s}`, list[i]));
    }
    const last = page[page.length - 1];
    return {
      messages: page.map((r) => json.get(`${r.conversation_id} ${r.seq}`)!),
      next_cursor: rows.length > limit ? encodeCursor([last.created_at, last.conversation_id, last.seq]) : null,
    };
  }

  /** Raises the user's read watermark in the thread, capped at its last reply. */
  async markRead(user: string, rootId: string, seq: number): Promise<number> {
    const root = await this.load(user, rootId);
    await this.settle(root.conversation_id); // a reply acked just before counts: the cap is the thread as the hot tier has it
    const t = await this.deps.threads.getThread(root.conversation_id, root.id);
    return this.deps.threads.markThreadRead(root.conversation_id, root.id, user, Math.min(seq, t?.last_reply_seq ?? 0));
  }

  /** Canonical JSON of the messages at these seqs, from whichever tier holds each (newest version). */
  async messagesAt(conversationId: string, seqs: number[]): Promise<string[]> {
    if (seqs.length === 0) return [];
    const found = new Map<number, Message>();
    for (const m of await this.deps.store.listMessagesAt(conversationId, seqs)) found.set(m.seq, m);
    const wanted = new Set(seqs);
    const ring = await this.deps.hot.readRecent(conversationId, { afterSeq: seqs[0] - 1, limit: Math.min(1000, seqs[seqs.length - 1] - seqs[0] + 1) });
    for (const json of ring?.messages ?? []) {
      const m = parseMessage(json);
      const stored = found.get(m.seq);
      // the ring's copy when it is newer — of the same message (never another one at that seq)
      if (wanted.has(m.seq) && (!stored || (stored.id === m.id && stored.version < m.version))) found.set(m.seq, m);
    }
    const missing = seqs.filter((s) => !found.has(s));
    // the archive in runs of nearby seqs: one range read (one or two row groups) per run, not one per seq
    for (const run of this.cold ? runs(missing, COLD_RUN_GAP) : []) {
      for (const m of await this.cold!.readRange(conversationId, { afterSeq: run[0] - 1, limit: run[run.length - 1] - run[0] + 1 })) {
        if (wanted.has(m.seq) && !found.has(m.seq)) found.set(m.seq, m);
      }
    }
    const lost = seqs.filter((s) => !found.has(s));
    if (lost.length) throw new AppError('UNAVAILABLE', `replies at seq ${lost.join(', ')} are being moved between tiers; retry`, { retryable: true, retryAfterS: 1 });
    return seqs.map((s) => messageJson(found.get(s)!));
  }

  /** Waits until the warm store has applied every change the hot tier had accepted; false after SETTLE_MS. */
  private settle(conversationId: string): Promise<boolean> {
    return this.settleAll([conversationId]);
  }

  /** settle() for several conversations at once (search): one hot-tier call, one query per check. */
  async settleAll(conversationIds: string[]): Promise<boolean> {
    if (conversationIds.length === 0) return true;
    const cursors = await this.deps.hot.lastCursors(conversationIds);
    const pending = conversationIds.map((id, i) => ({ id, cursor: cursors[i] })).filter((c): c is { id: string; cursor: number } => c.cursor !== null && c.cursor > 0);
    if (pending.length === 0) return true;
    const applied = async () => {
      const bounds = await this.deps.store.changeBounds(pending.map((c) => c.id));
      // every change up to the cursor, not only the highest: two workers may commit out of order
      const behind = pending.filter((c, i) => bounds[i].settled < c.cursor);
      if (behind.some((c) => bounds[pending.indexOf(c)].last < c.cursor)) return false;
      // all there but not marked so (two commits at once each missed the other's): count once
      for (const c of behind) if ((await this.deps.store.settle(c.id)) < c.cursor) return false;
      return true;
    };
    if (await applied()) return true;
    // woken by a commit of any of them (persist-wait.ts listens per conversation: the first one stands for all, the backoff covers the rest)
    return this.waits.until(pending[0].id, applied, SETTLE_MS);
  }
}

/** Seqs closer than this share one archive range read. */
const COLD_RUN_GAP = 64;

/** Ascending seqs in runs whose neighbours are at most `gap` apart. */
function runs(seqs: number[], gap: number): number[][] {
  const out: number[][] = [];
  for (const s of seqs) {
    const last = out[out.length - 1];
    if (last && s - last[last.length - 1] <= gap) last.push(s);
    else out.push([s]);
  }
  return out;
}

function empty(root: Message): ThreadSummary {
  return {
    conversation_id: root.conversation_id, root_id: root.id, root_seq: root.seq, root_sender: root.sender,
    reply_count: 0, last_reply_seq: 0, last_reply_at: null, participants: [],
  };
}

/** The opaque cursor of GET /v1/threads after this thread. */
export function threadCursor(t: ThreadSummary): string {
  return encodeCursor([t.last_reply_at ?? '', t.conversation_id, t.root_id]);
}
