// The erase job of one user (docs/gdpr.md): every message they sent becomes a tombstone in every
// tier, and what still holds the old text is scrubbed; their reactions, receipts, settings, push
// subscriptions and uploads go. While the job is pending or running the user is refused
// everything (USER_ERASING, moderation/app-bans.ts): every node applies that within CACHE_MS, so
// the job first waits until CACHE_MS (and a margin) have passed since it started. Steps, each
// idempotent (a job killed anywhere and run again converges to the same state; the job row keeps
// which step it is at):
//   plan                   the conversations the user is or was a member of, or holding their
//                          messages (warm rows, overlays, every archive manifest) or reactions;
//                          each is settled (every accepted change stored) before it is read
//   per conversation:
//     tombstone            wait until the warm store holds every change the hot tier accepted,
//                          then one `delete` change per message still holding text, metadata or
//                          attachments (the change log carries it to the ring, the warm row or
//                          the archived row's overlay, and live clients); wait until stored
//     scrub                rewrite the stored changes and webhook dead letters naming those
//                          messages to the tombstone's content (cursor, type, version stay), the
//                          same in the hot change ring; drop their dedup entries, search
//                          documents and the text reports keep
//     archive              rewrite each Parquet file holding them with the overlays folded
//                          (under the conversation's archive lease, through the manifest)
//   reactions              each reaction of the user: a `reaction` change (removed), then the row
//   user                   uploads (object, then row), earlier exports of the user, receipts,
//                          thread reads, settings, push subscriptions
//   verify                 every planned conversation (and any new one) settled and read again:
//                          a message or reaction that reached the hot tier after its conversation
//                          was read (a send that passed the block check just before the block)
//                          sends the job round the steps again for those conversations
// Persist-log entries are XDELeted on ack right after their commit; on Valkey their bytes stay in
// the stream's listpack (and RDB/AOF) until the node is freed or the AOF rewritten: a documented
// limit (docs/gdpr.md), not handled here.
import type { Deps } from '../deps.js';
import { AppError } from '../errors.js';
import { PersistWait } from '../changes/persist-wait.js';
import type { ChangeLog } from '../changes/change-log.js';
import { readRows } from '../archive/parquet.js';
import { takeLease } from '../store/leases.js';
import { CACHE_MS } from '../moderation/app-bans.js';
import { sleep } from '../workers/service.js';
import { versionTemplate, type Message } from '../model/message.js';
import { erasedVersion, needsErase, scrubJson } from './scrub.js';
import type { GdprJob, UserDataStore } from '../store/gdpr-store.js';

const LEASE_TTL = 60_000;
/** Since the job started, before anything is read: every node's block check has seen the job by then (and sends in flight landed). */
const BLOCK_SETTLE_MS = CACHE_MS + 1000;
/** Rounds of verify → tombstone before the step is left for the next run (sends keep landing: a block not applied somewhere). */
const MAX_ROUNDS = 5;

export interface JobContext {
  deps: Deps & { gdpr: { data: UserDataStore } };
  changes: ChangeLog;
  holder: string;
  /** Called before each step runs (the job row already names it): tests crash the job here. */
  onStep?: (step: string) => Promise<void> | void;
  signal?: AbortSignal;
}

export interface EraseCursor {
  conversations: string[];
  /** Index into conversations; = length once past them. */
  i: number;
  phase: 'tombstone' | 'scrub' | 'archive' | 'reactions' | 'user' | 'verify' | 'done';
  /** verify → tombstone rounds so far (absent: 0). */
  round?: number;
  /** When the erase began: every tombstone's deleted_at (for messages not deleted before). */
  at: string;
}

export type Save = (cursor: EraseCursor, step: string, progress: Record<string, number>) => Promise<void>;

export async function runErase(ctx: JobContext, job: GdprJob, save: Save): Promise<Record<string, unknown>> {
  const user = job.user;
  const progress: Record<string, number> = {
    conversations_total: 0, conversations_done: 0, messages_erased: 0, changes_rewritten: 0, dead_letters_rewritten: 0,
    files_rewritten: 0, archive_bytes_written: 0, reactions_removed: 0, uploads_deleted: 0, rows_removed: 0, ...job.progress,
  };
  let cur = job.cursor as EraseCursor | null;
  if (!cur) {
    await step(ctx, 'plan');
    // the user's sends are refused everywhere once every node's block check has seen the job
    const wait = (job.started_at ? Date.parse(job.started_at) : Date.now()) + BLOCK_SETTLE_MS - Date.now();
    if (wait > 0) await sleep(wait, ctx.signal);
    if (ctx.signal?.aborted) throw new AppError('UNAVAILABLE', 'stopping: the job resumes on the next run', { retryable: true });
    cur = { conversations: await conversationsOf(ctx, user), i: 0, phase: 'tombstone', at: new Date().toISOString() };
    progress.conversations_total = cur.conversations.length;
    await save(cur, 'plan', progress);
  }
  while (cur.phase !== 'done') {
    if (ctx.signal?.aborted) throw new AppError('UNAVAILABLE', 'stopping: the job resumes on the next run', { retryable: true });
    const c = cur.conversations[cur.i];
    const name = c !== undefined && ['tombstone', 'scrub', 'archive'].includes(cur.phase) ? `${cur.phase}:${c}` : cur.phase;
    await step(ctx, name);
    let next: EraseCursor = { ...cur, phase: 'done' };
    switch (cur.phase) {
      case 'tombstone':
        if (c === undefined) {
          next = { ...cur, phase: 'reactions' };
          break;
        }
        progress.messages_erased += await tombstone(ctx, c, user, cur.at);
        next = { ...cur, phase: 'scrub' };
        break;
      case 'scrub': {
        const r = await scrub(ctx, c, user);
        progress.changes_rewritten += r.changes;
        progress.dead_letters_rewritten += r.deadLetters;
        next = { ...cur, phase: 'archive' };
        break;
      }
      case 'archive': {
        const r = await refold(ctx, c, user);
        progress.files_rewritten += r.rewritten.length;
        progress.archive_bytes_written += r.bytes;
        progress.conversations_done++;
        next = { ...cur, i: cur.i + 1, phase: 'tombstone' };
        break;
      }
      case 'reactions':
        progress.reactions_removed += await removeReactions(ctx, user);
        next = { ...cur, phase: 'user' };
        break;
      case 'user': {
        const r = await removeUserState(ctx, user);
        progress.uploads_deleted += r.uploads;
        progress.rows_removed += r.rows;
        next = { ...cur, phase: 'verify' };
        break;
      }
      case 'verify': {
        const left = await leftBehind(ctx, user);
        if (!left.conversations.length && !left.reactions) break;
        const round = (cur.round ?? 0) + 1;
        if (round > MAX_ROUNDS) throw new AppError('UNAVAILABLE', `user ${user}: new messages keep appearing during the erase`, { retryable: true });
        progress.conversations_total += left.conversations.length;
        next = { ...cur, conversations: left.conversations, i: 0, phase: 'tombstone', round, at: new Date().toISOString() };
        break;
      }
    }
    cur = next;
    await save(cur, name, progress);
  }
  return { ...progress };
}

async function step(ctx: JobContext, name: string): Promise<void> {
  await ctx.onStep?.(name);
}

/**
 * Conversations the user is or was a member of, or with their messages in any tier, or their
 * reactions. Each is settled first: a message acked before now is in the warm store when read.
 */
export async function conversationsOf(ctx: JobContext, user: string): Promise<string[]> {
  const { deps } = ctx;
  const joined = await deps.gdpr.data.conversationsJoinedBy(user);
  for (const c of joined) await settle(ctx, c);
  const out = new Set([...joined, ...(await deps.gdpr.data.conversationsWithMessagesOf(user))]);
  for (const r of await deps.gdpr.data.reactionsOf(user)) out.add(r.conversation_id);
  if (deps.archive) {
    for (const key of await deps.archive.objects.list('conversation=')) {
      const m = /^conversation=([^/]+)\/_manifest\.json$/.exec(key);
      if (m && !out.has(m[1]) && (await archivedOf(ctx, m[1], user)).length) out.add(m[1]);
    }
  }
  return [...out].sort();
}

/** The conversations (settled now) still holding a message of the user's to erase, and whether reactions of theirs are left. */
async function leftBehind(ctx: JobContext, user: string): Promise<{ conversations: string[]; reactions: boolean }> {
  const out: string[] = [];
  for (const c of await conversationsOf(ctx, user)) {
    if ((await messagesOf(ctx, c, user)).some(needsErase)) out.push(c);
  }
  return { conversations: out, reactions: (await ctx.deps.gdpr.data.reactionsOf(user)).length > 0 };
}

/** The user's archived messages in a conversation, overlays applied (reads every file of it). */
export async function archivedOf(ctx: JobContext, conversationId: string, user: string): Promise<Message[]> {
  const { archive, archiving } = ctx.deps;
  if (!archive || !archiving) return [];
  const out: Message[] = [];
  for (const f of (await archive.manifest(conversationId)).files) {
    const mine = (await readRows(archive.objects, f.key, f.bytes, 0, f.rows, f.sha256)).filter((r) => r.sender === user);
    if (!mine.length) continue;
    const over = new Map((await archiving.source.listOverlays(conversationId, f.first_seq, f.last_seq)).map((o) => [o.seq, o]));
    out.push(...mine.map((r) => {
      const o = over.get(r.seq);
      return o && o.version > r.version ? o : r;
    }));
  }
  return out;
}

/** The user's messages of a conversation at their latest version, from the warm store and the archive. */
export async function messagesOf(ctx: JobContext, conversationId: string, user: string): Promise<Message[]> {
  const bySeq = new Map<number, Message>();
  for (const m of [...(await archivedOf(ctx, conversationId, user)), ...(await ctx.deps.gdpr.data.messagesOf(conversationId, user))]) {
    const had = bySeq.get(m.seq);
    if (!had || had.version < m.version) bySeq.set(m.seq, m);
  }
  return [...bySeq.values()].sort((a, b) => a.seq - b.seq);
}

/** Waits until the warm store holds every change the hot tier accepted for the conversation. */
async function settle(ctx: JobContext, conversationId: string): Promise<void> {
  const [cursor] = await ctx.changes.cursors([conversationId]);
  const ok = await new PersistWait(ctx.deps.persisted).until(conversationId, async () => (await ctx.deps.store.settle(conversationId)) >= cursor, 30_000);
  if (!ok) throw new AppError('UNAVAILABLE', `conversation ${conversationId}: changes up to ${cursor} are not all stored yet`, { retryable: true });
}

async function tombstone(ctx: JobContext, conversationId: string, user: string, at: string): Promise<number> {
  for (let attempt = 0; attempt < 3; attempt++) {
    await settle(ctx, conversationId);
    let erased = 0;
    let last = 0;
    let conflict = false;
    for (const m of await messagesOf(ctx, conversationId, user)) {
      if (!needsErase(m)) continue;
      const { head, tail } = versionTemplate(erasedVersion(m, at));
      const out = await ctx.changes.record(conversationId, { type: 'delete', message: { seq: m.seq, id: m.id, head, tail, basedOn: m.version } });
      if (out.status === 'conflict') {
        conflict = true; // changed meanwhile (its sender edited it): read again once stored
        continue;
      }
      erased++;
      last = out.cursor;
    }
    if (last) await ctx.changes.waitStored(conversationId, last);
    if (!conflict) {
      await settle(ctx, conversationId);
      return erased;
    }
  }
  throw new AppError('UNAVAILABLE', `conversation ${conversationId}: messages kept changing during the erase`, { retryable: true });
}

async function scrub(ctx: JobContext, conversationId: string, user: string): Promise<{ changes: number; deadLetters: number }> {
  const { deps } = ctx;
  const mine = await messagesOf(ctx, conversationId, user);
  const tombs = new Map(mine.map((m) => [m.id, m]));
  const touched = await deps.gdpr.data.rewriteChanges(conversationId, (json) => scrubJson(json, tombs));
  const clientKeys = mine.filter((m) => m.client_id !== null).map((m) => `${m.sender}\n${m.client_id}`);
  await deps.hot.scrubTraces(conversationId, touched, clientKeys);
  await deps.gdpr.data.dropDerivedText(conversationId, mine.map((m) => m.seq), mine.map((m) => m.id));
  const deadLetters = await deps.gdpr.data.rewriteDeadLetters(conversationId, (body) => scrubJson(body, tombs) ?? body);
  return { changes: touched.length, deadLetters };
}

async function refold(ctx: JobContext, conversationId: string, user: string): Promise<{ rewritten: string[]; bytes: number }> {
  const { archive, archiving } = ctx.deps;
  if (!archive || !archiving) return { rewritten: [], bytes: 0 };
  const through = await archive.archivedThrough(conversationId);
  const seqs = (await messagesOf(ctx, conversationId, user)).map((m) => m.seq).filter((s) => s <= through);
  if (!seqs.length) return { rewritten: [], bytes: 0 };
  const lease = await takeLease(archiving.leases, `archive:${conversationId}`, ctx.holder, { ttlMs: LEASE_TTL, wait: true, signal: ctx.signal });
  if (!lease) throw new AppError('UNAVAILABLE', `conversation ${conversationId}: archive lease not taken`, { retryable: true });
  try {
    return await archive.refold(archiving.source, conversationId, seqs);
  } finally {
    await lease.release();
  }
}

async function removeReactions(ctx: JobContext, user: string): Promise<number> {
  const { deps } = ctx;
  let n = 0;
  for (const r of await deps.gdpr.data.reactionsOf(user)) {
    // the change first: a crash before the row goes records it again on the rerun (removing
    // what is gone is a no-op for clients); the other order could lose the change
    const body = JSON.stringify({ conversation_id: r.conversation_id, message_id: r.message_id, user, reaction: r.reaction, removed: true, at: new Date().toISOString() });
    await ctx.changes.record(r.conversation_id, { type: 'reaction', body: `,${body.slice(1)}` });
    if (await deps.reactions.removeReaction(r.message_id, user, r.reaction)) n++;
  }
  return n;
}

async function removeUserState(ctx: JobContext, user: string): Promise<{ uploads: number; rows: number }> {
  const { deps } = ctx;
  let uploads = 0;
  for (const u of await deps.gdpr.data.uploadsOf(user)) {
    await deps.attachments?.files.delete(u.object_key);
    await deps.gdpr.data.deleteUpload(u.id);
    uploads++;
  }
  // earlier exports of the user hold everything the erase removed
  const objects = deps.attachments?.files ?? deps.archive?.objects;
  if (objects) for (const key of await objects.list(`exports/${encodeURIComponent(user)}/`)) await objects.delete(key);
  return { uploads, rows: await deps.gdpr.data.deleteUserState(user) };
}
