// Edit (sender only) and delete (sender, or a conversation owner/admin) of a message. Both
// write the warm store, then refresh the hot ring's copy, then announce the change. A message
// the hot tier reports in flight (accepted on any node, not yet persisted) is waited for with a
// deadline (persist-wait.ts); an unknown id costs one lookup and answers 404 at once. The
// persist worker's insert never overwrites an edit (it inserts only what is absent).
// Archived messages are immutable (docs/archive.md): seq ≤ the conversation's archive watermark
// → 409 MESSAGE_ARCHIVED, whether the warm row is gone (found through the archive, among the
// user's conversations) or still there (an archiver between its manifest commit and its delete).
// Known window: an edit landing between the archiver's read of that row and its delete is lost
// (the archive keeps the text it read); messages old enough to archive are rarely edited.
import type { Access } from '../conversations/access.js';
import type { Deps } from '../deps.js';
import { conversationTopic, type Announce } from '../hot-tier/fanout.js';
import { AppError } from '../errors.js';
import { newHolder } from '../store/leases.js';
import type { IngestService } from './ingest.js';
import { messageJson, type Message } from '../model/message.js';

export class EditService {
  constructor(private deps: Deps, private access: Access, private ingest: IngestService, private announce: Announce) {}

  async edit(user: string, id: string, text: string): Promise<Message> {
    const m = await this.load(user, id);
    if (m.sender !== user) throw new AppError('FORBIDDEN', 'only the sender edits a message');
    if (m.deleted_at) throw new AppError('MESSAGE_DELETED', 'a deleted message cannot be edited');
    return this.apply('edit', m, { text, edited_at: new Date().toISOString() });
  }

  async remove(user: string, id: string): Promise<Message> {
    const m = await this.load(user, id);
    if (m.sender !== user) {
      const role = await this.access.requireMember(m.conversation_id, user);
      if (role === 'member') throw new AppError('FORBIDDEN', 'only the sender or a conversation admin deletes a message');
    }
    if (m.deleted_at) return m;
    return this.apply('delete', m, { text: null, deleted_at: new Date().toISOString() });
  }

  /** The message, if it exists in a conversation the user belongs to. */
  async load(user: string, id: string): Promise<Message> {
    let m = await this.deps.store.getMessage(id);
    // Not in the warm store: accepted moments ago (by this node, or by any node as far as the
    // hot tier knows) and still on its way? Only then is it worth waiting for its row.
    const inflight = m ? undefined : this.ingest.recentIds.get(id) ?? (await this.deps.hot.locateInFlight(id)) ?? undefined;
    if (inflight) {
      if (!(await this.access.role(inflight.conversationId, user))) throw new AppError('MESSAGE_NOT_FOUND', `message ${id} not found`);
      // Sent through this node long ago and archived since: not in flight, gone from the warm store.
      if (this.deps.archive && inflight.seq <= (await this.deps.archive.archivedThrough(inflight.conversationId))) throw archived(id);
      await this.ingest.waitPersisted({ conversation_id: inflight.conversationId, seq: inflight.seq }, 5000);
      m = await this.deps.store.getMessage(id);
    }
    if (!m) {
      await this.refuseIfArchived(user, id);
      throw new AppError('MESSAGE_NOT_FOUND', `message ${id} not found`);
    }
    const role = await this.access.role(m.conversation_id, user);
    if (!role) throw new AppError('MESSAGE_NOT_FOUND', `message ${id} not found`);
    if (this.deps.archive && m.seq <= (await this.deps.archive.archivedThrough(m.conversation_id))) throw archived(id);
    return m;
  }

  /** Throws MESSAGE_ARCHIVED if `id` is an archived message of one of the user's conversations. */
  private async refuseIfArchived(user: string, id: string): Promise<void> {
    if (!this.deps.archive) return;
    const mine = (await this.deps.store.listConversations(user)).map((c) => c.id);
    if (await this.deps.archive.findMessage(mine, id)) throw archived(id);
  }

  /**
   * Writes the change under the conversation's archive lease, so an archiver run (which reads
   * rows, writes Parquet, then deletes them) can never interleave with it and drop the edit:
   * while one runs the edit answers 503 + Retry-After; once it ran, MESSAGE_ARCHIVED.
   */
  private async apply(kind: 'edit' | 'delete', m: Message, patch: { text: string | null; edited_at?: string; deleted_at?: string }) {
    const leases = this.deps.archiving?.leases;
    const lease = `archive:${m.conversation_id}`;
    const holder = newHolder();
    if (leases && !(await leases.acquire(lease, holder, 10_000))) {
      throw new AppError('UNAVAILABLE', 'this conversation is being archived right now; retry shortly', { retryable: true, retryAfterS: 2 });
    }
    let updated: Message | null = null;
    try {
      if (leases && this.deps.archive && m.seq <= (await this.deps.archive.archivedThrough(m.conversation_id))) throw archived(m.id);
      updated = await this.deps.store.updateMessage(m.id, patch);
      if (!updated) throw new AppError('MESSAGE_NOT_FOUND', `message ${m.id} not found`);
      await this.deps.hot.replaceRecent(updated.conversation_id, updated.seq, messageJson(updated));
    } finally {
      await leases?.release(lease, holder);
    }
    // the answer waits for the publish: a client that sees the 2xx can rely on every node knowing
    const done = updated as Message; // the try above either set it or threw
    await this.announce(conversationTopic(done.conversation_id), `{"type":"${kind}","message":${messageJson(done)}}`);
    return done;
  }
}

function archived(id: string): AppError {
  return new AppError('MESSAGE_ARCHIVED', `message ${id} is archived; archived messages cannot be edited or deleted`);
}
