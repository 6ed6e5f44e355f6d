// The ReceiptStore port: read receipts in the warm store (table `receipts`, migration 0001).
// Receipts are watermarks per (conversation, user): the highest delivered and read seq.
// advance() is idempotent and monotonic: a watermark never moves backwards, whatever the order
// or repetition of the batches that carry it (max on every write), and read implies delivered.

export interface Watermark {
  conversationId: string;
  user: string;
  delivered: number;
  read: number;
}

export interface ReceiptStore {
  /** Upserts each watermark as max(stored, given), in statements of up to 5,000 rows (each is idempotent, so a partial batch is safe to repeat). */
  advanceWatermarks(batch: Watermark[]): Promise<void>;
  /** Every stored watermark of the conversation. */
  watermarks(conversationId: string): Promise<Watermark[]>;
}
