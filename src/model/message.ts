// The message as every tier and the wire see it. One serializer (messageJson) so that a page
// is byte-identical whichever tier served it: the hot ring stores these exact bytes, the warm
// store and the archive rebuild them through the same function.

export interface Message {
  id: string;
  conversation_id: string;
  seq: number;
  sender: string;
  text: string | null;
  reply_to: string | null;
  client_id: string | null;
  created_at: string;
  edited_at: string | null;
  deleted_at: string | null;
}

/** Canonical JSON of a message: fixed key order, times as ISO-8601 strings. */
export function messageJson(m: Message): string {
  return JSON.stringify({
    id: m.id,
    conversation_id: m.conversation_id,
    seq: m.seq,
    sender: m.sender,
    text: m.text,
    reply_to: m.reply_to,
    client_id: m.client_id,
    created_at: m.created_at,
    edited_at: m.edited_at,
    deleted_at: m.deleted_at,
  });
}

/**
 * Splits a message's canonical JSON around its seq so the hot tier can assign the seq inside
 * its atomic ingest call without parsing JSON: json = head + seq + tail.
 */
export function messageTemplate(m: Omit<Message, 'seq'>): { head: string; tail: string } {
  const json = messageJson({ ...m, seq: 0 });
  const marker = ',"seq":0,';
  const at = json.indexOf(marker); // the first occurrence is the key: quotes inside values are escaped
  return { head: json.slice(0, at + marker.length - 2), tail: json.slice(at + marker.length - 1) };
}

export function parseMessage(json: string): Message {
  return JSON.parse(json) as Message;
}
