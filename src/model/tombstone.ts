// The tombstone of a seq whose message was lost with the hot tier before it was stored
// (messages/ingest.ts fillLostSeqs): a deleted message from `strata` whose id is derived from
// the conversation and seq, so every node that notices the hole writes the same one.
import { createHash } from 'node:crypto';
import type { Message } from './message.js';

export const TOMBSTONE_SENDER = 'strata';

/** A UUID (version 8, RFC 9562) derived from the conversation and seq: the same on every node. */
export function tombstoneId(conversationId: string, seq: number): string {
  const h = createHash('sha256').update(`strata-tombstone\n${conversationId}\n${seq}`).digest();
  h[6] = (h[6] & 0x0f) | 0x80;
  h[8] = (h[8] & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

export function lostSeqTombstone(conversationId: string, seq: number, at: string): Message {
  return {
    id: tombstoneId(conversationId, seq), conversation_id: conversationId, seq, version: 0, sender: TOMBSTONE_SENDER, text: null, reply_to: null,
    thread_id: null, in_timeline: true, mentions: [], metadata: null, attachments: [], client_id: null, created_at: at, edited_at: null, deleted_at: at,
  };
}

/** Whether a message is the tombstone of a lost seq. */
export function isLostSeqTombstone(m: Pick<Message, 'id' | 'conversation_id' | 'seq' | 'sender'>): boolean {
  return m.sender === TOMBSTONE_SENDER && m.id === tombstoneId(m.conversation_id, m.seq);
}
