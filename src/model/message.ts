// The message as every tier and the wire see it. One serializer (messageJson) so that a page
// is byte-identical whichever tier served it: the hot ring stores these exact bytes, the warm
// store and the archive rebuild them through the same function.

/** A file attached to a message. `url` is Strata's own, stable link: fetching it (as a member) redirects to a short-lived signed one. */
export interface Attachment {
  id: string;
  name: string;
  size: number;
  content_type: string;
  width: number | null;
  height: number | null;
  url: string;
}

export interface Message {
  id: string;
  conversation_id: string;
  seq: number;
  /** The cursor of the message's latest change in its conversation's change log (docs/changes.md). */
  version: number;
  sender: string;
  text: string | null;
  reply_to: string | null;
  /** The root message of the thread this message replies in (docs/threads.md), or null. */
  thread_id: string | null;
  /** Whether the main timeline shows it: true for every message outside a thread; a thread reply only when sent "also to the conversation". */
  in_timeline: boolean;
  /** Members the message mentions (sent explicitly, validated against the members; sorted, unique). */
  mentions: string[];
  /** The sender's own data: a JSON object (at most MAX_METADATA_BYTES serialized), or null. */
  metadata: Record<string, unknown> | null;
  /** Files attached (uploads, docs/attachments.md); [] when none. */
  attachments: Attachment[];
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
    version: m.version,
    sender: m.sender,
    text: m.text,
    reply_to: m.reply_to,
    thread_id: m.thread_id,
    in_timeline: m.in_timeline,
    mentions: m.mentions,
    metadata: m.metadata,
    attachments: m.attachments.map((a) => ({ id: a.id, name: a.name, size: a.size, content_type: a.content_type, width: a.width, height: a.height, url: a.url })),
    client_id: m.client_id,
    created_at: m.created_at,
    edited_at: m.edited_at,
    deleted_at: m.deleted_at,
  });
}

/**
 * Splits a new message's canonical JSON around its seq and version so the hot tier can assign
 * both inside its atomic ingest call without parsing JSON:
 * json = head + seq + ',"version":' + cursor + tail.
 */
export function messageTemplate(m: Omit<Message, 'seq' | 'version'>): { head: string; tail: string } {
  const json = messageJson({ ...m, seq: 0, version: 0 });
  const marker = ',"seq":0,"version":0,';
  const at = json.indexOf(marker); // the first occurrence is the keys: quotes inside values are escaped
  return { head: json.slice(0, at + 7), tail: json.slice(at + marker.length - 1) };
}

/**
 * Splits a changed message's canonical JSON around its version, for a change the hot tier
 * assigns a cursor to: json = head + cursor + tail.
 */
export function versionTemplate(m: Message): { head: string; tail: string } {
  const json = messageJson({ ...m, version: 0 });
  const marker = ',"version":0,';
  const at = json.indexOf(marker);
  return { head: json.slice(0, at + marker.length - 2), tail: json.slice(at + marker.length - 1) };
}

/**
 * Parses a message's canonical JSON; one written by an earlier version gets the defaults of the
 * fields it lacks (version 0, no thread, in the timeline, no mentions, no metadata, no
 * attachments), in canonical key order.
 */
export function parseMessage(json: string): Message {
  const m = JSON.parse(json) as Message;
  if (m.attachments !== undefined) return m;
  return JSON.parse(messageJson({
    ...m, version: m.version ?? 0, thread_id: m.thread_id ?? null, in_timeline: m.in_timeline ?? true, mentions: m.mentions ?? [], metadata: null, attachments: [],
  })) as Message;
}
