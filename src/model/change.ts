// A change of a conversation as the warm store keeps it: the change JSON exactly as the hot
// tier built it (docs/changes.md), with what the persist worker needs to apply it.
import type { Message } from './message.js';

export type ChangeType = 'message' | 'edit' | 'delete' | 'reaction' | 'member' | 'conversation' | 'pin' | 'mute' | 'rules' | 'lost';

export interface StoredChange {
  conversation_id: string;
  cursor: number;
  type: ChangeType;
  /** The change's canonical JSON: the bytes every tier returns. */
  json: string;
  /** For message / edit / delete: the message after the change (its version = cursor). */
  message?: Message;
}

const TYPES = new Set<ChangeType>(['message', 'edit', 'delete', 'reaction', 'member', 'conversation', 'pin', 'mute', 'rules', 'lost']);

/** The placeholder of a position whose change was lost (hot tier data loss) or refused for good (a dead letter): nothing to apply. */
export function lostChange(conversationId: string, cursor: number): StoredChange {
  return { conversation_id: conversationId, cursor, type: 'lost', json: `{"type":"lost","cursor":${cursor},"conversation_id":${JSON.stringify(conversationId)}}` };
}

/** Parses a change's JSON; null when it is not one (then the caller decides what it is). */
export function parseChange(json: string): StoredChange | null {
  const c = JSON.parse(json) as { type?: unknown; cursor?: unknown; message?: Message; conversation_id?: unknown };
  if (typeof c !== 'object' || c === null || !TYPES.has(c.type as ChangeType) || !Number.isSafeInteger(c.cursor) || (c.cursor as number) < 1) return null;
  const type = c.type as ChangeType;
  const isMessage = type === 'message' || type === 'edit' || type === 'delete';
  const conversation = isMessage ? c.message?.conversation_id : c.conversation_id;
  if (typeof conversation !== 'string') return null;
  if (isMessage && !(Number.isSafeInteger(c.message?.seq) && c.message!.version === c.cursor && typeof c.message?.id === 'string')) return null;
  return { conversation_id: conversation, cursor: c.cursor as number, type, json, ...(isMessage ? { message: c.message } : {}) };
}
