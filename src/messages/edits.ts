// Edit (sender only) and delete (sender, or a conversation owner/admin) of a message: each is
// a change of the conversation's change log (changes/change-log.ts), accepted in ONE hot-tier
// call that assigns its cursor (the message's new version), replaces the ring's copy, appends
// it to the persist log and publishes it. The persist worker applies it to the warm store in
// log order, over an older version only; nothing here waits for a row.
// Finding the message: the warm store, else the hot tier's in-flight mark (a message accepted
// moments ago, on any node). The ring's copy, when it holds one, is the latest version. The
// change is built on the copy read and refused by the hot tier if another change of the message
// got there first — checked against the ring's copy, or, for a message the ring no longer
// holds, against the versions of the last hour's edits/deletes (change-8.lua) — then it is read
// again once the warm store shows that change, and rebuilt on it (up to three times). So an
// edit never undoes a delete it did not see.
// Archived messages are changed like any other: the archive's Parquet files never change, the
// persist worker keeps the new version as an overlay in the warm store (store/change-store.ts)
// and history applies it on read (messages/history.ts withOverlays), so every tier answers the
// same page. An archiver run needs no lease against edits: a row changed while it runs is kept
// as an overlay by its delete step (store/archive-source.ts deleteArchived).
import type { ChangeLog } from '../changes/change-log.js';
import { PersistWait } from '../changes/persist-wait.js';
import type { Access } from '../conversations/access.js';
import type { Deps } from '../deps.js';
import { AppError } from '../errors.js';
import type { ColdReader } from './history.js';
import { checkMetadata, type IngestService } from './ingest.js';
import { parseMessage, versionTemplate, type Message } from '../model/message.js';
import type { Actor, AuditLog } from '../audit/audit-log.js';

export class EditService {
  private readonly waits: PersistWait;

  /** `cold`: the archive with overlays applied (history.ts withOverlays), when one is wired. */
  constructor(
    private deps: Deps, private access: Access, private ingest: IngestService, private changes: ChangeLog, private cold?: ColdReader,
    /** Validates an edit's new mentions against the members (threads/service.ts). */
    private mentions?: { checkMentions(conversationId: string, mentions: string[]): Promise<string[]> },
    /** Told of each message deleted, as it was before (attachments/service.ts releases its files). */
    private deleted?: (m: Message) => Promise<void>,
    /** The audit log (deletes by someone other than the sender) and the blocklist's filter of an edit's text (moderation/blocklist.ts). */
    private safety?: { audit: AuditLog; filterText(text: string): Promise<string> },
  ) {
    this.waits = new PersistWait(deps.persisted);
  }

  /** `mentions` and `metadata` replace the message's when given (mentions validated against the members, metadata null clears); kept otherwise. */
  edit(user: string, id: string, text: string, opts: { mentions?: string[]; metadata?: Record<string, unknown> | null } = {}): Promise<Message> {
    const metadata = opts.metadata === undefined ? undefined : checkMetadata(opts.metadata, this.deps.config.maxMetadataBytes);
    return this.change(user, id, async (m) => {
      if (m.sender !== user) throw new AppError('FORBIDDEN', 'only the sender edits a message');
      if (m.deleted_at) throw new AppError('MESSAGE_DELETED', 'a deleted message cannot be edited');
      const kept = this.safety ? await this.safety.filterText(text) : text;
      const mentions = opts.mentions === undefined || !this.mentions ? m.mentions : await this.mentions.checkMentions(m.conversation_id, opts.mentions);
      return { kind: 'edit', next: { ...m, text: kept, mentions, metadata: metadata === undefined ? m.metadata : metadata, edited_at: new Date().toISOString() } };
    });
  }

  /** `requestId`: the HTTP request, for the audit entry of a delete by someone other than the sender. */
  async remove(user: string, id: string, requestId = 'internal'): Promise<Message> {
    return this.removeAs({ user, requestId }, id);
  }

  /**
   * An operator's delete (a report's resolution, moderation/reports.ts): no membership needed; the
   * message must be in `conversationId` (an archived one is looked for there).
   */
  removeAsOperator(actor: Actor, id: string, conversationId: string, reason: string | null): Promise<Message> {
    return this.removeAs(actor, id, { conversationId, reason });
  }

  private async removeAs(actor: Actor, id: string, operator?: { conversationId: string; reason: string | null }): Promise<Message> {
    const user = actor.user;
    let removed: Message | undefined;
    const out = await this.change(operator ? null : user, id, async (m) => {
      if (operator && m.conversation_id !== operator.conversationId) throw new AppError('MESSAGE_NOT_FOUND', `message ${id} not found`);
      if (!operator && m.sender !== user) {
        const role = await this.access.requireMember(m.conversation_id, user);
        if (role === 'member') throw new AppError('FORBIDDEN', 'only the sender or a conversation admin deletes a message');
      }
      if (m.deleted_at) return null; // deleting twice is deleting once
      removed = m;
      // the tombstone keeps no file: names go with the text, the files to the upload sweep
      return { kind: 'delete', next: { ...m, text: null, attachments: [], deleted_at: new Date().toISOString() } };
    }, operator?.conversationId);
    if (removed && out.deleted_at) await this.deleted?.(removed);
    if (removed && out.deleted_at && (operator || removed.sender !== user)) {
      await this.safety?.audit.record({
        action: 'message.deleted', actor, target_user: removed.sender, conversation_id: removed.conversation_id, message_id: id, reason: operator?.reason ?? null,
        details: { by: operator ? 'operator' : 'conversation_admin' },
      });
    }
    return out;
  }

  private async change(
    user: string | null, id: string, decide: (m: Message) => Promise<{ kind: 'edit' | 'delete'; next: Message } | null> | { kind: 'edit' | 'delete'; next: Message } | null,
    inConversation?: string,
  ): Promise<Message> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const m = await this.load(user, id, inConversation);
      const d = await decide(m);
      if (!d) return m;
      const done = await this.apply(d.kind, m, d.next);
      if (typeof done !== 'number') return done;
      // another change of it came first, and the copy read may not show it yet (the warm store
      // lags the hot tier): read again once it does (at most 2 s), then decide again
      await this.waits.until(m.conversation_id, async () => (await this.load(user, id, inConversation)).version >= done, 2000);
    }
    throw new AppError('EDIT_CONFLICT', `message ${id} kept changing while this change was made; read it again and retry`);
  }

  /**
   * The message, at its latest version, if it exists in a conversation the user belongs to; with
   * user null (an operator), in any conversation — an archived one only in `inConversation`.
   */
  async load(user: string | null, id: string, inConversation?: string): Promise<Message> {
    let m = await this.deps.store.getMessage(id);
    const where = m ? { conversationId: m.conversation_id, seq: m.seq } : this.ingest.recentIds.get(id) ?? (await this.deps.hot.locateInFlight(id));
    if (!where) return this.loadArchived(user, id, inConversation);
    if (user !== null && !(await this.access.role(where.conversationId, user))) throw new AppError('MESSAGE_NOT_FOUND', `message ${id} not found`);
    const ring = await this.deps.hot.readRecent(where.conversationId, { afterSeq: where.seq - 1, limit: 1 });
    const held = ring?.messages[0] ? parseMessage(ring.messages[0]) : undefined;
    if (held?.id === id) m = held;
    // Sent through this node (or in flight) long ago and archived since: the archive has it.
    if (!m && this.cold && this.deps.archive && where.seq <= (await this.deps.archive.archivedThrough(where.conversationId))) {
      const [cold] = await this.cold.readRange(where.conversationId, { afterSeq: where.seq - 1, limit: 1 });
      if (cold?.id === id) m = cold;
    }
    // In flight (the hot tier assigned it) but neither in the ring nor stored yet: a burst larger
    // than the ring; its row is moments away.
    if (!m) throw new AppError('UNAVAILABLE', `message ${id} was accepted moments ago and is still being stored; retry shortly`, { retryable: true, retryAfterS: 1 });
    return m;
  }

  /** An archived message of one of the user's conversations, at its latest version (overlay applied). */
  private async loadArchived(user: string | null, id: string, inConversation?: string): Promise<Message> {
    const notFound = new AppError('MESSAGE_NOT_FOUND', `message ${id} not found`);
    if (!this.deps.archive || !this.cold) throw notFound;
    const mine = user === null ? (inConversation ? [inConversation] : []) : (await this.deps.store.listConversations(user)).map((c) => c.id);
    const at = await this.deps.archive.findMessage(mine, id);
    if (!at) throw notFound;
    const [m] = await this.cold.readRange(at.conversationId, { afterSeq: at.seq - 1, limit: 1 });
    if (m?.id !== id) throw notFound;
    return m;
  }

  /** The change accepted (the message at its new version), or on a conflict the version the message is at (rebuild on it). */
  private async apply(kind: 'edit' | 'delete', m: Message, next: Message): Promise<Message | number> {
    const { head, tail } = versionTemplate(next);
    // an edit is refused, atomically with its cursor, when its sender is banned or muted (docs/moderation.md)
    const out = await this.changes.record(m.conversation_id, { type: kind, message: { seq: m.seq, id: m.id, head, tail, basedOn: m.version }, actor: kind === 'edit' ? m.sender : undefined });
    if (out.status === 'conflict') return out.version;
    return parseMessage(head + out.cursor + tail);
  }
}
