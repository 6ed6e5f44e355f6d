// Row → domain mapping shared by both dialects: bigint → number, time → ISO-8601 string.
import type { Message } from '../../model/message.js';
import type { ConversationSummary, Kind, Role } from '../store.js';

export function iso(v: string | Date): string;
export function iso(v: string | Date | null): string | null;
export function iso(v: string | Date | null): string | null {
  if (v === null) return null;
  return typeof v === 'string' ? v : v.toISOString();
}

export function toRole(v: string): Role {
  return v as Role;
}

export function toMessage(r: {
  id: string; conversation_id: string; seq: number | string; version: number | string; sender: string; text: string | null; reply_to: string | null;
  thread_id: string | null; in_timeline: boolean | number; mentions: string; metadata: string | null; attachments: string; client_id: string | null; created_at: string | Date; edited_at: string | Date | null; deleted_at: string | Date | null;
}): Message {
  return {
    id: r.id,
    conversation_id: r.conversation_id,
    seq: Number(r.seq),
    version: Number(r.version),
    sender: r.sender,
    text: r.text,
    reply_to: r.reply_to,
    thread_id: r.thread_id,
    in_timeline: Boolean(r.in_timeline),
    mentions: JSON.parse(r.mentions) as string[],
    metadata: r.metadata === null ? null : (JSON.parse(r.metadata) as Record<string, unknown>),
    attachments: JSON.parse(r.attachments) as Message['attachments'],
    client_id: r.client_id,
    created_at: iso(r.created_at),
    edited_at: iso(r.edited_at),
    deleted_at: iso(r.deleted_at),
  };
}

export function toConversationSummary(r: {
  id: string; title: string | null; kind: string; created_by: string; created_at: string | Date;
  last_seq: number | string; last_activity_at: string | Date; read_seq: number | string;
}): ConversationSummary {
  return {
    id: r.id,
    title: r.title,
    kind: r.kind as Kind,
    created_by: r.created_by,
    created_at: iso(r.created_at),
    last_seq: Number(r.last_seq),
    last_activity_at: iso(r.last_activity_at),
    read_seq: Number(r.read_seq),
  };
}

/** A message as a row of `messages` (or `message_overlays`). */
export function row(m: Message) {
  return {
    conversation_id: m.conversation_id, seq: m.seq, version: m.version, id: m.id, sender: m.sender, text: m.text, reply_to: m.reply_to,
    thread_id: m.thread_id, in_timeline: m.in_timeline ? 1 : 0, mentions: JSON.stringify(m.mentions),
    metadata: m.metadata === null ? null : JSON.stringify(m.metadata), attachments: JSON.stringify(m.attachments), client_id: m.client_id, created_at: m.created_at, edited_at: m.edited_at, deleted_at: m.deleted_at,
  };
}

/**
 * Rows per INSERT so that rows × columns stays under SQLite's bound-parameter limit (32,766):
 * MESSAGE_ROWS_PER_INSERT for message rows.
 */
export function rowsPerInsert(columns: number): number {
  return Math.floor(32_000 / columns);
}

/** `items` in slices of at most `size`. */
export function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Rows of `messages` per INSERT: as many as the bound-parameter limit allows for its columns (counted from row()). */
export const MESSAGE_ROWS_PER_INSERT = rowsPerInsert(Object.keys(row({
  id: '', conversation_id: '', seq: 0, version: 0, sender: '', text: null, reply_to: null, thread_id: null, in_timeline: true, mentions: [],
  metadata: null, attachments: [], client_id: null, created_at: '', edited_at: null, deleted_at: null,
})).length);
