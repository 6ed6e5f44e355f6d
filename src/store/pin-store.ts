// The PinStore port: the messages pinned in each conversation (table `pins`, migration 0005).
// Pin and unpin are idempotent and say whether they changed anything; a pin names the message by
// id and seq, so a pinned message is read from whichever tier holds it.
export interface PinRow {
  message_id: string;
  seq: number;
  pinned_by: string;
  pinned_at: string;
}

export interface PinStore {
  /** False when it was pinned already. */
  pin(conversationId: string, row: PinRow): Promise<boolean>;
  /** False when it was not pinned. */
  unpin(conversationId: string, messageId: string): Promise<boolean>;
  /** Newest pin first. */
  listPins(conversationId: string): Promise<PinRow[]>;
}
