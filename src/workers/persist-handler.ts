// The persist worker's domain handler: log entries are changes of the conversation change log
// (docs/changes.md), applied to the warm store in one transaction per batch, idempotently and
// whatever their order across batches (store/change-store.ts: a change already recorded
// changes nothing; a message change lands only over an older version). Entries written before
// the change log (a message's bare JSON) are still inserted as messages.
// An entry that is neither is rejected (non-retryable) and ends as a dead letter.
import { AppError } from '../errors.js';
import type { LogEntry } from '../hot-tier/hot-tier.js';
import { parseChange, type StoredChange } from '../model/change.js';
import type { Message } from '../model/message.js';
import type { Metrics } from '../http/metrics.js';
import type { Store } from '../store/store.js';
import type { BatchHandler } from './stream-consumer.js';
import type { EventEmitter } from 'node:events';
import { announceCommitted } from '../changes/persist-wait.js';

export class PersistHandler implements BatchHandler {
  /** `persisted` hears 'committed' (conversationId) after each batch: this process's waiters wake (changes/persist-wait.ts). */
  /** `archivedThrough`: the archive's watermark, for a change of an archived message (kept as an overlay). */
  constructor(
    private store: Pick<Store, 'applyChanges' | 'insertMessages'>, private metrics?: Metrics, private persisted?: EventEmitter,
    private archivedThrough?: (conversationId: string) => Promise<number>,
    /** Accepts again the changes that collided (changes/repair.ts); without it a collision is a dead letter. */
    private repair?: (collisions: StoredChange[]) => Promise<void>,
    /** Restores the dedup keys of committed messages the hot tier lost (changes/repair.ts restoreDedupOf). */
    private restoreDedup?: (messages: Message[]) => Promise<void>,
  ) {}

  /** Entries committed but no longer held by the log: their messages' dedup keys go back to the hot tier. */
  async unheld(entries: LogEntry[]): Promise<void> {
    if (!this.restoreDedup) return;
    const messages = entries.map(decode).flatMap((d) => ('cursor' in d ? (d.type === 'message' ? [d.message!] : []) : [d]));
    await this.restoreDedup(messages);
  }

  async handle(entries: LogEntry[]): Promise<void> {
    const changes: StoredChange[] = [];
    const legacy: Message[] = [];
    for (const e of entries) {
      const d = decode(e);
      if ('cursor' in d) changes.push(d);
      else legacy.push(d);
    }
    if (legacy.length) await this.store.insertMessages(legacy);
    const { collisions } = await this.store.applyChanges(changes, this.archivedThrough);
    if (collisions.length) {
      // never dropped: accepted again under new positions, or (no repair wired) refused loudly
      if (!this.repair) throw new AppError('INTERNAL', `${collisions.length} changes collided with stored ones (hot tier behind the warm store)`, { retryable: false });
      await this.repair(collisions);
    }
    announceCommitted(this.persisted, [...changes.map((c) => c.conversation_id), ...legacy.map((m) => m.conversation_id)]);
    if (this.metrics) {
      const now = Date.now();
      const created = [...legacy, ...changes.filter((c) => c.type === 'message').map((c) => c.message!)];
      this.metrics.persisted.inc(created.length);
      for (const m of created) this.metrics.persistLag.observe((now - Date.parse(m.created_at)) / 1000);
    }
  }
}

function decode(e: LogEntry): StoredChange | Message {
  let v: unknown;
  try {
    v = JSON.parse(e.payload);
  } catch {
    throw new AppError('VALIDATION_FAILED', `log entry ${e.id} is not JSON`, { retryable: false });
  }
  const change = typeof v === 'object' && v !== null && 'type' in v ? parseChange(e.payload) : null;
  if (change) return change;
  const m = v as Message;
  if (typeof m?.conversation_id !== 'string' || !Number.isInteger(m.seq) || m.seq < 1 || typeof m.id !== 'string' || typeof m.sender !== 'string') {
    throw new AppError('VALIDATION_FAILED', `log entry ${e.id} is neither a change nor a message`, { retryable: false });
  }
  // written before the change log (no version) and before threads and mentions (their defaults)
  const { thread_id = null, in_timeline = true, mentions = [], metadata = null, attachments = [] } = m as Partial<Message>;
  return { ...m, thread_id, in_timeline, mentions, metadata, attachments, version: m.version ?? 0 };
}
