// Mentions as the page types and shows them. The rule (one for sending, editing and
// highlighting): a mention is "@" followed by a member's user id, where the "@" begins the
// text or follows a character that is not a letter, digit or "_" (so "mail@bob" is not one),
// and the id is not followed by a letter, digit, "_" or "-" ("@bobby" does not mention bob;
// "@bob," does). Where several members' ids fit at one "@" (bob and bob.smith), the longest
// wins. On send and on edit, every member so named goes into the message's `mentions` (the
// server checks they are members); an edit always sends them again, so deleting "@bob" from
// the text drops the mention. Shown messages highlight "@id" for each user in `mentions`.
import type { Message } from '../../sdk/index.js';

const WORD_BEFORE = /[\p{L}\p{N}_]/u;
const WORD_AFTER = /[\p{L}\p{N}_-]/u;

/** Each "@id" of the text naming one of `users`, in order: where it starts (the "@") and the id. */
export function mentionSpans(text: string, users: Iterable<string>): { at: number; user: string }[] {
  const byLength = [...new Set(users)].filter((u) => u.length > 0).sort((a, b) => b.length - a.length);
  const spans: { at: number; user: string }[] = [];
  for (let i = text.indexOf('@'); i !== -1; i = text.indexOf('@', i + 1)) {
    if (i > 0 && WORD_BEFORE.test(text[i - 1])) continue;
    const user = byLength.find((u) => text.startsWith(u, i + 1) && !WORD_AFTER.test(text.charAt(i + 1 + u.length)));
    if (user) {
      spans.push({ at: i, user });
      i += user.length; // the id itself holds no further "@" mention
    }
  }
  return spans;
}

/** The members the text mentions: sorted, each once (what a send or edit puts in `mentions`). */
export function mentionsIn(text: string, members: Iterable<string>): string[] {
  return [...new Set(mentionSpans(text, members).map((s) => s.user))].sort();
}

/** A message's mentions (none for a message stored before mentions existed). */
export function mentionsOf(m: Message): string[] {
  return m.mentions ?? [];
}

/** The text as text nodes and `<span class="mention">` elements for the users it mentions
 *  (`mention me` for the signed-in user); never markup from the text itself. */
export function mentionNodes(text: string, mentioned: string[], me: string): (Node | string)[] {
  const out: (Node | string)[] = [];
  let from = 0;
  for (const { at, user } of mentionSpans(text, mentioned)) {
    if (at > from) out.push(text.slice(from, at));
    const span = document.createElement('span');
    span.className = user === me ? 'mention me' : 'mention';
    span.dataset.user = user;
    span.textContent = `@${user}`;
    out.push(span);
    from = at + 1 + user.length;
  }
  if (from < text.length) out.push(text.slice(from));
  return out;
}
