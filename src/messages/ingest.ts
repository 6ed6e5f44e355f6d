// The send use-case, shared by REST and WebSocket: membership → rate limit → ONE hot-tier
// ingest call → ack. Guarantees: per-conversation seq is gap-free and strictly increasing
// (assigned inside the atomic hot-tier call); the same client_id returns the original message
// (idempotent); a refused send (429/503) stores nothing and is always answered.
// If the hot tier lost its counter (restart without persistence, flush), the counter is
// re-seeded from the warm store before any seq is assigned, so seq never restarts or repeats.
import { v7 as uuidv7 } from 'uuid';
import type { Access } from '../conversations/access.js';
import type { Deps } from '../deps.js';
import { AppError } from '../errors.js';
import { messageJson, messageTemplate, parseMessage, versionTemplate, type Attachment, type Message } from '../model/message.js';
import { lostSeqTombstone } from '../model/tombstone.js';
import { lostChange, type StoredChange } from '../model/change.js';
import { cursorOf } from '../changes/change-log.js';
import { refusalError } from '../changes/refusal.js';
import { PersistWait } from '../changes/persist-wait.js';
import type { SendBody } from './schemas.js';
import type { BeforeSend } from '../hooks/before-send.js';
/** The fields a send adds to a message about threads and mentions, validated (threads/service.ts ThreadService.place). */
export interface Placement {
  thread_id: string | null;
  in_timeline: boolean;
  mentions: string[];
}

/** Validates a send's thread and mentions (threads/service.ts ThreadService.place). */
export type Place = (user: string, conversationId: string, body: SendBody) => Promise<Placement>;

/**
 * What a send's attempt ended with, for its claimed uploads: the message the hot tier (or the
 * warm store, for a retry) answered with, whether this attempt's or the original of a retry;
 * null when nothing was stored; 'unknown' when the hot-tier call failed without an answer (it
 * may have stored the message: its reply was lost).
 */
export type Outcome = Message | null | 'unknown';

/**
 * Turns a send's upload ids into the message's attachments (attachments/service.ts): check()
 * refuses a bad upload with its registry code and changes nothing; claim() takes the uploads for
 * the message, all or none, and returns what to call with the send's outcome.
 */
export interface Attach {
  check(user: string, conversationId: string, uploadIds: string[], clientKey: string | undefined): Promise<Attachment[]>;
  claim(attachments: Attachment[], messageId: string, clientKey: string | undefined): Promise<(outcome: Outcome) => Promise<void>>;
}

/**
 * User safety on the send path (moderation/): allowSend refuses a send into a direct conversation
 * between users one of whom blocked the other (BLOCKED); filterText returns the text the blocklist
 * lets through (masked) or refuses it (BLOCKLIST_REJECTED). Edits filter their text the same way.
 */
export interface SendSafety {
  allowSend(user: string, conversationId: string): Promise<void>;
  filterText(text: string): Promise<string>;
}

export interface Ack {
  created: boolean;
  message: Message;
  /** The message's canonical JSON (reuse it, do not re-serialize). */
  json: string;
}

export class IngestService {
  /** Ids this node ingested recently → conversation/seq: lets an edit wait for a row still in flight. */
  readonly recentIds = new Map<string, { conversationId: string; seq: number }>();
  /** Waits for the warm store (persist-wait.ts); shared with edits and history. */
  readonly waits: PersistWait;

  constructor(
    private deps: Deps, private access: Access, private place: Place, private beforeSend?: BeforeSend, private attach?: Attach, private safety?: SendSafety,
    /** App-wide bans (moderation/app-bans.ts): throws USER_BANNED for a user an operator banned. */
    private userBans?: { check(user: string): Promise<void> },
  ) {
    this.waits = new PersistWait(deps.persisted);
  }

  async send(user: string, conversationId: string, body: SendBody, via: 'rest' | 'ws' = 'rest'): Promise<Ack> {
    const started = performance.now();
    const { config, hot, rate, store, metrics } = this.deps;
    await this.userBans?.check(user);
    // the role judges exemptions (announcement kind, slow mode) inside ingest; bans and mutes
    // are judged there from the hot tier's restrictions, whatever this node's cache says
    const role = await this.access.requireMember(conversationId, user);
    await this.safety?.allowSend(user, conversationId);
    if (body.reply_to) await this.checkReplyTo(conversationId, body.reply_to);
    const metadata = checkMetadata(body.metadata, config.maxMetadataBytes);
    const placement = await this.place(user, conversationId, body);
    const clientKey = body.client_id == null ? undefined : `${user}\n${body.client_id}`;
    // A retry of a send the hot tier still remembers gets its original before anything a
    // duplicate must not redo: the hook judging it again (and rejecting what is stored), the
    // check of uploads the original already attached. ingest() below still decides atomically.
    if (clientKey && (this.beforeSend || body.attachments?.length)) {
      const original = await hot.findDuplicate(conversationId, clientKey);
      if (original) {
        metrics.duplicates.inc();
        let message = parseMessage(original);
        if (config.ackAfter === 'store') message = await this.waitPersisted(message);
        return { created: false, message, json: config.ackAfter === 'store' ? messageJson(message) : original };
      }
    }
    const attachments = body.attachments?.length ? await this.attachments().check(user, conversationId, body.attachments, clientKey) : [];

    const waitMs = await rate.hit(user, config.rateLimit, config.rateWindowS);
    if (waitMs > 0) {
      metrics.rateLimited.inc();
      throw new AppError('RATE_LIMITED', `more than ${config.rateLimit} messages in ${config.rateWindowS} s`, { retryAfterS: waitMs / 1000 });
    }
    // the blocklist first (rejects or masks), then the before-send hook (hooks/before-send.ts)
    // judges the valid message: accept, reject or rewrite
    const text = this.safety ? await this.safety.filterText(body.text) : body.text;
    const judged = this.beforeSend
      ? await this.beforeSend({ conversation_id: conversationId, sender: user, text, reply_to: body.reply_to ?? null, thread_id: placement.thread_id, mentions: placement.mentions, metadata, client_id: body.client_id ?? null })
      : { text, metadata };

    const draft: Omit<Message, 'seq' | 'version'> = {
      id: uuidv7(), conversation_id: conversationId, sender: user, text: judged.text, reply_to: body.reply_to ?? null, ...placement, metadata: judged.metadata, attachments,
      client_id: body.client_id ?? null, created_at: new Date().toISOString(), edited_at: null, deleted_at: null,
    };
    const { head, tail } = messageTemplate(draft);
    // the uploads are this message's from here on; given back if the send stores nothing
    const settle = attachments.length ? await this.attachments().claim(attachments, draft.id, clientKey) : undefined;

    // true while a hot-tier ingest call is out: its failure does not tell whether it stored the message
    let inDoubt = false;
    try {
      for (let attempt = 0; attempt < 3; attempt++) {
        inDoubt = true;
        const out = await hot.ingest({
          conversationId, messageId: draft.id, head, tail, clientKey, dedupTtlS: config.dedupTtlS, recentLimit: config.recentLimit,
          changeRingLimit: config.changeRingLimit, maxBacklog: config.persistMaxBacklog, sender: { user, role },
        });
        inDoubt = false;
        switch (out.status) {
          case 'created': {
            let message = parseMessage(out.json);
            await settle?.(message);
            this.remember(message);
            if (config.ackAfter === 'store') message = await this.waitPersisted(message);
            metrics.ingested.inc({ via });
            metrics.ingestSeconds.observe((performance.now() - started) / 1000);
            return { created: true, message, json: config.ackAfter === 'store' ? messageJson(message) : out.json };
          }
          case 'duplicate': {
            metrics.duplicates.inc();
            let message = parseMessage(out.json);
            await settle?.(message);
            if (config.ackAfter === 'store') message = await this.waitPersisted(message);
            return { created: false, message, json: config.ackAfter === 'store' ? messageJson(message) : out.json };
          }
          case 'refused':
            throw refusalError(out, conversationId);
          case 'backlogged':
            metrics.backpressure.inc();
            throw new AppError('BACKPRESSURE', `persist backlog is full (${out.backlog} entries)`, { retryAfterS: 1 });
          case 'unseeded': {
            // The hot tier has no counter: a retry whose dedup key was lost must still find its original.
            if (draft.client_id !== null) {
              const prior = await store.findByClientId(conversationId, user, draft.client_id);
              if (prior) {
                await settle?.(prior);
                return { created: false, message: prior, json: messageJson(prior) };
              }
            }
            await this.seed(conversationId);
          }
        }
      }
      throw new AppError('UNAVAILABLE', 'hot tier could not be seeded', { retryable: true });
    } catch (e) {
      // after an outcome: changes nothing (what it attached stays attached); a failed hot call may
      // have stored the message (reply lost): the claim stays for the retry or the upload sweep
      await settle?.(inDoubt ? 'unknown' : null);
      throw e;
    }
  }

  private attachments(): Attach {
    if (!this.attach) throw new AppError('UPLOAD_NOT_FOUND', 'attachments are not enabled on this server');
    return this.attach;
  }

  /**
   * Re-creates the hot counters (seq and change cursor) and the ring from the warm store (never through the persist log),
   * after the dedup entries of the last DEDUP_TTL_S: a retry of a send acked before the hot tier
   * lost its data finds its original even when another member's send re-seeded the counter first.
   */
  seed(conversationId: string): Promise<void> {
    return seedFromStore(this.deps, conversationId);
  }

  private async checkReplyTo(conversationId: string, replyTo: string) {
    const local = this.recentIds.get(replyTo);
    if (local?.conversationId === conversationId) return;
    const target = await this.deps.store.getMessage(replyTo);
    if (target?.conversation_id === conversationId) return;
    // A reply to an archived message is fine: its warm row is gone, the archive still has it.
    if (!target && this.deps.archive && (await this.deps.archive.findMessage([conversationId], replyTo))) return;
    throw new AppError('REPLY_TO_INVALID', `reply_to ${replyTo} is not a message of this conversation`);
  }

  private remember(m: Message) {
    if (this.recentIds.size >= 50_000) this.recentIds.delete(this.recentIds.keys().next().value!);
    this.recentIds.set(m.id, { conversationId: m.conversation_id, seq: m.seq });
  }

  /**
   * ACK_AFTER=store: resolves with the message as the warm store holds it — by id, never by seq
   * alone (another message at that seq is not this one's commit: after hot data loss a new
   * message can take the seq of one whose log entry was lost; a collision moves a message to a
   * new seq, changes/repair.ts). At the deadline: UNAVAILABLE, retry with the same client_id.
   */
  async waitPersisted(m: Pick<Message, 'conversation_id' | 'id'>, timeoutMs = 30_000): Promise<Message> {
    let row: Message | null = null;
    await this.waits.until(m.conversation_id, async () => (row = await this.deps.store.getMessage(m.id)) !== null, timeoutMs);
    if (!row) throw new AppError('UNAVAILABLE', 'message accepted but not yet stored; retry with the same client_id', { retryable: true, retryAfterS: 1 });
    return row;
  }
}

/**
 * Re-creates a conversation's hot counters (seq and change cursor) and ring from the warm store
 * (never through the persist log), after the dedup entries of the last DEDUP_TTL_S: a retry of
 * a send acked before the hot tier lost its data finds its original even when another member's
 * send re-seeded the counter first.
 */
export async function seedFromStore(deps: Pick<Deps, 'store' | 'hot' | 'config' | 'archive' | 'moderation'>, conversationId: string): Promise<void> {
  const { store, hot, config } = deps;
  const now = Date.now();
  const prior = await store.listWithClientIdSince(conversationId, new Date(now - config.dedupTtlS * 1000).toISOString());
  await hot.restoreDedup(conversationId, prior.map((m) => ({
    clientKey: `${m.sender}\n${m.client_id}`, json: messageJson(m), ttlMs: Date.parse(m.created_at) + config.dedupTtlS * 1000 - now,
  })));
  const [lastSeq, recent, [bounds], restrictions] = await Promise.all([
    store.maxSeq(conversationId),
    store.listMessages(conversationId, { limit: Math.min(config.recentLimit, 1000) }),
    store.changeBounds([conversationId]),
    // the warm store is the truth of bans, mutes, slow mode and kind: the hot tier gets them in
    // the call that creates its counter (docs/moderation.md)
    deps.moderation?.restrictions(conversationId, now),
  ]);
  const seeded = await hot.seed(conversationId, lastSeq, recent.map(messageJson), config.recentLimit, bounds.last, restrictions ?? undefined);
  // only the node that created the counter, from what it read just before: another node's later
  // sends are past what it read, and a seq in their workers' hands is no hole
  if (!seeded.created) return;
  await fillLostSeqs(deps, conversationId, lastSeq);
  await fillLostCursors(deps, conversationId, bounds);
}

/**
 * The change-log side of fillLostSeqs: a cursor whose change was lost with the hot tier below a
 * stored one would stop every reader at the hole. It is recorded in the warm store as
 * `{"type":"lost","cursor":N,"conversation_id":…}` — nothing to apply, the position is taken —
 * straight through the store (it is in the past: no live frame). The lost change arriving after
 * all collides with it and is accepted again under a new cursor (changes/repair.ts).
 */
export async function fillLostCursors(deps: Pick<Deps, 'store'>, conversationId: string, bounds: { floor: number; last: number }): Promise<number> {
  const from = Math.max(bounds.last - LOST_WINDOW, bounds.floor);
  if (bounds.last - from < 2 || (await deps.store.countChanges(conversationId, from, bounds.last)) === bounds.last - from) return 0;
  const held = new Set((await deps.store.listChanges(conversationId, from, bounds.last - from)).map(cursorOf));
  const lost: StoredChange[] = [];
  for (let cursor = from + 1; cursor <= bounds.last; cursor++) {
    if (!held.has(cursor)) lost.push(lostChange(conversationId, cursor));
  }
  await deps.store.applyChanges(lost);
  return lost.length;
}

/** A message's metadata as stored: the object (canonical JSON round trip), or null; METADATA_TOO_LARGE past the limit. */
export function checkMetadata(metadata: Record<string, unknown> | null | undefined, maxBytes: number): Record<string, unknown> | null {
  if (metadata === undefined || metadata === null) return null;
  const json = JSON.stringify(metadata);
  const bytes = Buffer.byteLength(json, 'utf8');
  if (bytes > maxBytes) throw new AppError('METADATA_TOO_LARGE', `metadata is ${bytes} bytes of JSON; at most ${maxBytes} (MAX_METADATA_BYTES)`);
  return JSON.parse(json) as Record<string, unknown>;
}

/** How far below the warm store's last seq a re-seed looks for seqs lost with the hot tier. */
const LOST_WINDOW = 2000;

/**
 * A hot tier that lost its data (restart without persistence) also lost the persist-log entries
 * it had not handed to the warm store yet. Their messages were never acked with ACK_AFTER=store
 * (and were acked with ACK_AFTER=hot, the documented risk of running Valkey without
 * persistence); their clients retry and get new seqs. But when another consumer had already
 * stored a LATER seq, the lost ones leave holes below it. Each hole becomes a tombstone — a
 * deleted message from `strata`, with an id derived from the conversation and seq so that two
 * nodes re-seeding at once write the same one — accepted as a `delete` change, so seq stays
 * gap-free and clients learn of it from the log. Should the lost entry still arrive (it was in
 * a slow worker's batch, not lost), it collides with the tombstone and is accepted again under
 * a new seq (changes/repair.ts): nothing is lost either way.
 */
export async function fillLostSeqs(deps: Pick<Deps, 'store' | 'hot' | 'config' | 'archive'>, conversationId: string, lastSeq: number): Promise<number> {
  const archivedThrough = async () => (deps.archive ? await deps.archive.archivedThrough(conversationId) : 0);
  const floor = Math.max(lastSeq - LOST_WINDOW, await archivedThrough());
  if (lastSeq - floor < 2) return 0;
  const rows = await deps.store.listMessages(conversationId, { afterSeq: floor, limit: lastSeq - floor });
  if (rows.length === lastSeq - floor) return 0;
  // an archiver run between the two reads moved rows out: what is missing is archived, not lost
  if ((await archivedThrough()) > floor) return 0;
  const held = new Set(rows.map((m) => m.seq));
  let filled = 0;
  for (let seq = floor + 1; seq <= lastSeq; seq++) {
    if (held.has(seq)) continue;
    const tombstone = lostSeqTombstone(conversationId, seq, new Date().toISOString());
    const { head, tail } = versionTemplate(tombstone);
    // basedOn 0: refused ('conflict') when the ring holds a message at this seq — never written over one
    const out = await deps.hot.change({ conversationId, type: 'delete', message: { seq, id: tombstone.id, head, tail, basedOn: 0 }, changeRingLimit: deps.config.changeRingLimit, maxBacklog: Number.MAX_SAFE_INTEGER });
    if (out.status === 'changed') filled++;
  }
  return filled;
}
