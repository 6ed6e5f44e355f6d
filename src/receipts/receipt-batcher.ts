// Batches receipt watermarks on this node into the warm store. Every note() is merged into one
// pending entry per (conversation, user) holding the max seen, and a flush writes them all in one
// idempotent upsert (ReceiptStore.advanceWatermarks: max on write, so never backwards). A read
// (note) is written within intervalMs; delivered advances — one per member socket that got a
// message, the fan-out's hot path — gather for deliveredIntervalMs (RECEIPT_DELIVERED_FLUSH_MS),
// so a watermark advances once per flush however many frames were sent: in a busy room that is
// the difference between one row update per member per 50 ms and one per 500 ms (#16).
//
// Durability: note() resolves after the commit that carried it, so a REST `read` answers only
// once stored; socket paths do not wait. A failed flush keeps its values pending (retried on
// the next tick) and rejects the waiters of that flush. A crash loses at most one interval of
// delivered/read advances, which the clients' next read or delivery restores.
// Shutdown: close() flushes what is pending.
import type { ReceiptStore, Watermark } from '../store/receipt-store.js';

interface Pending extends Watermark {
  waiters: { resolve: () => void; reject: (e: unknown) => void }[];
}

export class ReceiptBatcher {
  private pending = new Map<string, Pending>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private dueAt = Number.POSITIVE_INFINITY;
  private running: Promise<void> | undefined;
  private closed = false;

  constructor(
    private store: ReceiptStore,
    private intervalMs = 50,
    private onError: (e: unknown) => void = () => {},
    private deliveredIntervalMs = intervalMs,
  ) {}

  /** Merges an advance; resolves once it is committed. Callers that do not wait must catch. */
  note(conversationId: string, user: string, seqs: { delivered?: number; read?: number }): Promise<void> {
    const key = `${conversationId}\n${user}`;
    let p = this.pending.get(key);
    if (!p) this.pending.set(key, (p = { conversationId, user, delivered: 0, read: 0, waiters: [] }));
    if (seqs.delivered !== undefined && seqs.delivered > p.delivered) p.delivered = seqs.delivered;
    if (seqs.read !== undefined && seqs.read > p.read) p.read = seqs.read;
    this.schedule(this.intervalMs);
    return new Promise((resolve, reject) => p.waiters.push({ resolve, reject }));
  }

  /** Marks delivered without waiting (the hot path: one call per delivered frame and user). */
  delivered(conversationId: string, user: string, seq: number): void {
    const key = `${conversationId}\n${user}`;
    const p = this.pending.get(key);
    if (p) {
      if (seq > p.delivered) p.delivered = seq;
      return;
    }
    this.pending.set(key, { conversationId, user, delivered: seq, read: 0, waiters: [] });
    this.schedule(this.deliveredIntervalMs);
  }

  /** Not yet flushed values (read-your-writes on this node). */
  peek(conversationId: string, user: string): { delivered: number; read: number } | undefined {
    return this.pending.get(`${conversationId}\n${user}`);
  }

  /** A flush within delayMs: an earlier one already set stands; a later one is brought forward. */
  private schedule(delayMs: number) {
    if (this.closed) return;
    const due = Date.now() + delayMs;
    if (this.timer && this.dueAt <= due) return;
    clearTimeout(this.timer);
    this.dueAt = due;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.dueAt = Number.POSITIVE_INFINITY;
      void this.flush();
    }, delayMs);
    this.timer.unref?.();
  }

  /** Writes everything pending now (waits for a flush in progress first). */
  async flush(): Promise<void> {
    while (this.running) await this.running;
    if (this.pending.size === 0) return;
    const batch = [...this.pending.values()];
    this.pending.clear();
    this.running = this.store.advanceWatermarks(batch).then(
      () => {
        for (const p of batch) for (const w of p.waiters) w.resolve();
      },
      (e) => {
        this.onError(e);
        for (const p of batch) {
          for (const w of p.waiters) w.reject(e);
          // keep the values for the next flush; max-merge with anything noted meanwhile
          const key = `${p.conversationId}\n${p.user}`;
          const cur = this.pending.get(key);
          if (!cur) this.pending.set(key, { ...p, waiters: [] });
          else {
            cur.delivered = Math.max(cur.delivered, p.delivered);
            cur.read = Math.max(cur.read, p.read);
          }
        }
        this.schedule(this.intervalMs);
      },
    ).finally(() => {
      this.running = undefined;
    });
    await this.running;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.dueAt = Number.POSITIVE_INFINITY;
    await this.flush();
  }
}
