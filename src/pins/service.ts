// Pins (docs/threads.md): owners and admins pin and unpin messages of their conversation,
// archived ones included. A pin is stored, then accepted into the conversation's change log like
// a reaction: {type:"pin", cursor, conversation_id, message_id, seq, pinned, by, at} (undone in
// the store when the log refuses it, so a retry logs it). Pinning twice is pinning once. Members
// list the pins, newest first, each with the message as history serves it.
import type { ChangeLog } from '../changes/change-log.js';
import type { Access } from '../conversations/access.js';
import { AppError } from '../errors.js';
import type { Message } from '../model/message.js';
import type { PinStore } from '../store/pin-store.js';
import type { ThreadService } from '../threads/service.js';

export class PinService {
  constructor(private access: Access, private pins: PinStore, private changes: ChangeLog, private threads: Pick<ThreadService, 'load' | 'messagesAt'>) {}

  async set(user: string, messageId: string, pinned: boolean): Promise<void> {
    const m: Message = await this.threads.load(user, messageId);
    const role = await this.access.requireMember(m.conversation_id, user);
    if (role === 'member') throw new AppError('FORBIDDEN', 'only a conversation owner or admin pins messages');
    if (pinned && m.deleted_at) throw new AppError('MESSAGE_DELETED', 'a deleted message cannot be pinned');
    const at = new Date().toISOString();
    const changed = pinned
      ? await this.pins.pin(m.conversation_id, { message_id: m.id, seq: m.seq, pinned_by: user, pinned_at: at })
      : await this.pins.unpin(m.conversation_id, m.id);
    if (!changed) return;
    const body = JSON.stringify({ conversation_id: m.conversation_id, message_id: m.id, seq: m.seq, pinned, by: user, at });
    try {
      await this.changes.record(m.conversation_id, { type: 'pin', body: `,${body.slice(1)}` });
    } catch (e) {
      if (pinned) await this.pins.unpin(m.conversation_id, m.id);
      else await this.pins.pin(m.conversation_id, { message_id: m.id, seq: m.seq, pinned_by: user, pinned_at: at });
      throw e;
    }
  }

  /** `[{message JSON, pinned_by, pinned_at}]`, newest pin first. */
  async list(user: string, conversationId: string): Promise<{ message: string; pinned_by: string; pinned_at: string }[]> {
    await this.access.requireMember(conversationId, user);
    const rows = await this.pins.listPins(conversationId);
    const seqs = [...new Set(rows.map((r) => r.seq))].sort((a, b) => a - b);
    const messages = await this.threads.messagesAt(conversationId, seqs);
    const bySeq = new Map(seqs.map((s, i) => [s, messages[i]]));
    return rows.map((r) => ({ message: bySeq.get(r.seq)!, pinned_by: r.pinned_by, pinned_at: r.pinned_at }));
  }
}
