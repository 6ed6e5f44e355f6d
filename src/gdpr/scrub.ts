// Pure helpers of the GDPR erase (docs/gdpr.md): the tombstone an erased message becomes, and
// the rewrite of any stored JSON (a change, a webhook dead letter's body) that still carries an
// erased message's text. A rewrite keeps every key in its place and every other value as it
// was (a change's type, cursor and the message's version stay): replay and paging keep working.
import type { Message } from '../model/message.js';

/** What an erase leaves of a message: no text, no metadata, no attachments; deleted. */
export function erasedVersion(m: Message, at: string): Message {
  return { ...m, text: null, metadata: null, attachments: [], deleted_at: m.deleted_at ?? at };
}

/** Whether a message still holds anything an erase removes. */
export function needsErase(m: Message): boolean {
  return m.text !== null || m.metadata !== null || m.attachments.length > 0 || m.deleted_at === null;
}

/**
 * `json` with every object naming an erased message (an `id` of `tombstones` beside a `text`)
 * turned into its tombstone's content; null when it names none. Idempotent.
 */
export function scrubJson(json: string, tombstones: ReadonlyMap<string, Message>): string | null {
  let hit = false;
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) {
      v.forEach(walk);
      return;
    }
    if (v === null || typeof v !== 'object') return;
    const o = v as Record<string, unknown>;
    const t = typeof o.id === 'string' && 'text' in o ? tombstones.get(o.id) : undefined;
    if (t) {
      hit = true;
      o.text = null;
      if ('metadata' in o) o.metadata = null;
      if ('attachments' in o) o.attachments = [];
      if ('deleted_at' in o) o.deleted_at = t.deleted_at;
    }
    for (const x of Object.values(o)) walk(x);
  };
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    return null; // not JSON: it names no message (the change log and dead letters hold JSON only)
  }
  walk(parsed);
  return hit ? JSON.stringify(parsed) : null;
}
