// Receipts use-cases. Read watermarks advance by REST or the `read` frame, never backwards
// (max on write), capped at the conversation's last seq; delivered watermarks advance when the
// gateway writes a message to a member's socket or serves them history. Both go through this
// node's ReceiptBatcher into the warm store. "Who read message m" is derived: read_seq >= m.seq.
// Live `receipt` frames go to the senders of the latest messages up to the read seq (the last
// RECEIPT_SENDERS_WINDOW messages), on their user topic: a receipt is visible to a message's
// sender only (invariant 5), never broadcast to the conversation.
import type { Access } from '../conversations/access.js';
import type { Deps } from '../deps.js';
import { AppError } from '../errors.js';
import { userTopic, type Fanout } from '../hot-tier/fanout.js';
import type { EditService } from '../messages/edits.js';
import type { ReceiptBatcher } from './receipt-batcher.js';
import type { ReceiptStore } from '../store/receipt-store.js';

const RECEIPT_SENDERS_WINDOW = 100;

export interface ReceiptView {
  user: string;
  delivered: boolean;
  read: boolean;
  delivered_seq: number;
  read_seq: number;
}

export class ReceiptService {
  constructor(
    private deps: Pick<Deps, 'hot' | 'store'>,
    private access: Access,
    private edits: EditService,
    private store: ReceiptStore,
    private batcher: ReceiptBatcher,
    private fanout: Fanout,
  ) {}

  /** Advances the user's read watermark; with `wait`, resolves once it is stored. */
  async markRead(user: string, conversationId: string, seq: number, wait: boolean): Promise<number> {
    await this.access.requireMember(conversationId, user);
    const [hotLast] = await this.deps.hot.lastSeqs([conversationId]);
    const read = Math.min(seq, hotLast ?? (await this.deps.store.maxSeq(conversationId)));
    const stored = this.batcher.note(conversationId, user, { read });
    if (wait) await stored;
    else stored.catch(() => undefined); // a failed flush is retried by the batcher and logged there
    await this.announce(user, conversationId, read);
    return read;
  }

  delivered(conversationId: string, user: string, seq: number): void {
    this.batcher.delivered(conversationId, user, seq);
  }

  /** Sender only: every other member's watermark against the message. */
  async forMessage(user: string, messageId: string): Promise<ReceiptView[]> {
    const m = await this.edits.load(user, messageId);
    if (m.sender !== user) throw new AppError('FORBIDDEN', 'receipts of a message are visible to its sender only');
    const [conv, marks] = await Promise.all([this.deps.store.getConversation(m.conversation_id), this.store.watermarks(m.conversation_id)]);
    const byUser = new Map(marks.map((w) => [w.user, w]));
    return (conv?.members ?? []).filter((mem) => mem.user !== user).map((mem) => {
      const pending = this.batcher.peek(m.conversation_id, mem.user);
      const read = Math.max(byUser.get(mem.user)?.read ?? 0, pending?.read ?? 0);
      const delivered = Math.max(byUser.get(mem.user)?.delivered ?? 0, pending?.delivered ?? 0, read);
      return { user: mem.user, delivered: delivered >= m.seq, read: read >= m.seq, delivered_seq: delivered, read_seq: read };
    });
  }

  private async announce(reader: string, conversationId: string, read: number): Promise<void> {
    if (read < 1) return;
    const range = { beforeSeq: read + 1, limit: RECEIPT_SENDERS_WINDOW };
    const recent = (await this.deps.hot.readRecent(conversationId, range))?.messages.map((j) => (JSON.parse(j) as { sender: string }).sender)
      ?? (await this.deps.store.listMessages(conversationId, range)).map((m) => m.sender);
    const frame = JSON.stringify({ type: 'receipt', conversation_id: conversationId, user: reader, read_seq: read });
    const senders = [...new Set(recent)].filter((s) => s !== reader);
    // Nothing of a conversation reaches a non-member: a sender who left gets no receipts.
    const roles = await Promise.all(senders.map((s) => this.access.role(conversationId, s)));
    await Promise.all(senders.filter((_, i) => roles[i]).map((s) => this.fanout.publish(userTopic(s), frame)));
  }
}
