// The persist worker's domain handler: log entries are messages' canonical JSON; one
// idempotent multi-row insert per batch (keyed on conversation_id, seq) in one transaction.
// An entry that is not a valid message is rejected (non-retryable) and ends as a dead letter.
import { AppError } from '../errors.js';
import type { LogEntry } from '../hot-tier/hot-tier.js';
import type { Message } from '../model/message.js';
import type { Metrics } from '../http/metrics.js';
import type { MessageStore } from '../store/store.js';
import type { BatchHandler } from './stream-consumer.js';
import type { EventEmitter } from 'node:events';
import { announceCommitted } from '../messages/persist-wait.js';

export class PersistHandler implements BatchHandler {
  /** `persisted` hears 'committed' (conversationId) after each batch: this process's waiters wake (messages/persist-wait.ts). */
  constructor(private store: MessageStore, private metrics?: Metrics, private persisted?: EventEmitter) {}

  async handle(entries: LogEntry[]): Promise<void> {
    const messages = entries.map(decode);
    await this.store.insertMessages(messages);
    announceCommitted(this.persisted, messages.map((m) => m.conversation_id));
    if (this.metrics) {
      const now = Date.now();
      this.metrics.persisted.inc(messages.length);
      for (const m of messages) this.metrics.persistLag.observe((now - Date.parse(m.created_at)) / 1000);
    }
  }
}

function decode(e: LogEntry): Message {
  let m: Message;
  try {
    m = JSON.parse(e.payload) as Message;
  } catch {
    throw new AppError('VALIDATION_FAILED', `log entry ${e.id} is not JSON`, { retryable: false });
  }
  if (typeof m?.conversation_id !== 'string' || !Number.isInteger(m.seq) || m.seq < 1 || typeof m.id !== 'string' || typeof m.sender !== 'string') {
    throw new AppError('VALIDATION_FAILED', `log entry ${e.id} is not a message`, { retryable: false });
  }
  return m;
}
