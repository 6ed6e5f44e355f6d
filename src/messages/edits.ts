// Edit (sender only) and delete (sender, or a conversation owner/admin) of a message: each is
// a change of the conversation's change log (changes/change-log.ts), accepted in ONE hot-tier
// call that assigns its cursor (the message's new version), replaces the ring's copy, appends
// it to the persist log and publishes it. The persist worker applies it to the warm store in
// log order, over an older version only; nothing here waits for a row.
// Finding the message: the warm store, else the hot tier's in-flight mark (a message accepted
// moments ago, on any node). The ring's copy, when it holds one, is the latest version: the
// change is built on it and refused by the hot tier if another change got there first
// (then it is rebuilt on the new version, up to three times).
// Archived messages are immutable (docs/archive.md): seq ≤ the conversation's archive watermark
// → 409 MESSAGE_ARCHIVED. With an archive, a change is accepted under the conversation's
// archive lease and the lease is held until the warm store has it, so an archiver run (which
// takes the same lease, reads rows, writes Parquet, then deletes them) never drops a change.
import type { ChangeLog } from '../changes/change-log.js';
import type { Access } from '../conversations/access.js';
import type { Deps } from '../deps.js';
import { AppError } from '../errors.js';
import { newHolder } from '../store/leases.js';
import type { IngestService } from './ingest.js';
import { parseMessage, versionTemplate, type Message } from '../model/message.js';

export class EditService {
  constructor(private deps: Deps, private access: Access, private ingest: IngestService, private changes: ChangeLog) {}

  edit(user: string, id: string, text: string): Promise<Message> {
    return this.change(user, id, (m) => {
      if (m.sender !== user) throw new AppError('FORBIDDEN', 'only the sender edits a message');
      if (m.deleted_at) throw new AppError('MESSAGE_DELETED', 'a deleted message cannot be edited');
      return { kind: 'edit', next: { ...m, text, edited_at: new Date().toISOString() } };
    });
  }

  remove(user: string, id: string): Promise<Message> {
    return this.change(user, id, async (m) => {
      if (m.sender !== user) {
        const role = await this.access.requireMember(m.conversation_id, user);
        if (role === 'member') throw new AppError('FORBIDDEN', 'only the sender or a conversation admin deletes a message');
      }
      if (m.deleted_at) return null; // deleting twice is deleting once
      return { kind: 'delete', next: { ...m, text: null, deleted_at: new Date().toISOString() } };
    });
  }

  private async change(
    user: string, id: string, decide: (m: Message) => Promise<{ kind: 'edit' | 'delete'; next: Message } | null> | { kind: 'edit' | 'delete'; next: Message } | null,
  ): Promise<Message> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const m = await this.load(user, id);
      const d = await decide(m);
      if (!d) return m;
      const done = await this.apply(d.kind, m, d.next);
      if (done) return done;
    }
    throw new AppError('EDIT_CONFLICT', `message ${id} kept changing while this change was made; read it again and retry`);
  }

  /** The message, at its latest version, if it exists in a conversation the user belongs to. */
  async load(user: string, id: string): Promise<Message> {
    let m = await this.deps.store.getMessage(id);
    const where = m ? { conversationId: m.conversation_id, seq: m.seq } : this.ingest.recentIds.get(id) ?? (await this.deps.hot.locateInFlight(id));
    if (!where) {
      await this.refuseIfArchived(user, id);
      throw new AppError('MESSAGE_NOT_FOUND', `message ${id} not found`);
    }
    if (!(await this.access.role(where.conversationId, user))) throw new AppError('MESSAGE_NOT_FOUND', `message ${id} not found`);
    if (this.deps.archive && where.seq <= (await this.deps.archive.archivedThrough(where.conversationId))) throw archived(id);
    const ring = await this.deps.hot.readRecent(where.conversationId, { afterSeq: where.seq - 1, limit: 1 });
    const held = ring?.messages[0] ? parseMessage(ring.messages[0]) : undefined;
    if (held?.id === id) m = held;
    // In flight (the hot tier assigned it) but neither in the ring nor stored yet: a burst larger
    // than the ring; its row is moments away.
    if (!m) throw new AppError('UNAVAILABLE', `message ${id} was accepted moments ago and is still being stored; retry shortly`, { retryable: true, retryAfterS: 1 });
    return m;
  }

  /** Throws MESSAGE_ARCHIVED if `id` is an archived message of one of the user's conversations. */
  private async refuseIfArchived(user: string, id: string): Promise<void> {
    if (!this.deps.archive) return;
    const mine = (await this.deps.store.listConversations(user)).map((c) => c.id);
    if (await this.deps.archive.findMessage(mine, id)) throw archived(id);
  }

  /** The change accepted (the message at its new version), or null on a conflict (rebuild it). */
  private async apply(kind: 'edit' | 'delete', m: Message, next: Message): Promise<Message | null> {
    const leases = this.deps.archiving?.leases;
    const lease = `archive:${m.conversation_id}`;
    const holder = newHolder();
    if (leases && !(await leases.acquire(lease, holder, 40_000))) {
      throw new AppError('UNAVAILABLE', 'this conversation is being archived right now; retry shortly', { retryable: true, retryAfterS: 2 });
    }
    try {
      if (leases && this.deps.archive && m.seq <= (await this.deps.archive.archivedThrough(m.conversation_id))) throw archived(m.id);
      const { head, tail } = versionTemplate(next);
      const out = await this.changes.record(m.conversation_id, { type: kind, message: { seq: m.seq, head, tail, basedOn: m.version } });
      if (out.status === 'conflict') return null;
      if (leases && this.deps.config.ackAfter !== 'store') await this.changes.waitStored(m.conversation_id, out.cursor);
      return parseMessage(head + out.cursor + tail);
    } finally {
      await leases?.release(lease, holder);
    }
  }
}

function archived(id: string): AppError {
  return new AppError('MESSAGE_ARCHIVED', `message ${id} is archived; archived messages cannot be edited or deleted`);
}
