// The blocklist compiled into one matcher (docs/moderation.md#blocklist). Time is linear in the
// text whatever the operators enter:
// - `word` entries (a word or a phrase) are matched on WORDS as search sees them
//   (model/search-tokens.ts: ICU word boundaries, NFKC, lower case, diacritics removed), through a
//   trie of normalised words: at most MAX_PHRASE_WORDS steps from each word of the text.
// - `regex` entries are RE2 patterns run by re2js (a pure-JS port of RE2: automata, no
//   backtracking, so `(a+)+$` costs what `a+$` costs), case-insensitive, on the text as sent.
//   Constructs RE2 lacks (backreferences, lookaround) are refused when the entry is added.
// Both run on the text without its default-ignorable code points (soft hyphen, zero-width space
// and joiner, variation selectors…: invisible, so `fn\u00adord` renders as `fnord` and must match
// it), and spans are mapped back onto the text as sent, covering the invisible code points inside.
// A match of a `reject` entry refuses the text; matches of `mask` entries replace each code point
// of the matched span with MASK_CHAR, so the text keeps its length in code points (never more
// UTF-16 units than before: MAX_TEXT_CHARS still holds, and no surrogate is split).
import { RE2JS } from 're2js';
import { AppError } from '../errors.js';
import { tokenize } from '../model/search-tokens.js';
import type { BlocklistEntry } from '../store/blocklist-store.js';

export const MASK_CHAR = '*';
export const MAX_PATTERN_CHARS = 200;
export const MAX_PHRASE_WORDS = 10;
export const MAX_ENTRIES = 1000;
export const MAX_REGEX_ENTRIES = 50;

interface TrieNode {
  next: Map<string, TrieNode>;
  /** The entry ending here (the first added wins: reject beats mask below). */
  entry?: BlocklistEntry;
}

export interface Verdict {
  /** The text to store: the original, or with masked spans. */
  text: string;
  /** The first `reject` entry that matched; the text must be refused. */
  rejectedBy: BlocklistEntry | null;
  /** Entries whose matches were masked. */
  masked: BlocklistEntry[];
}

/** The normalised words of a `word` entry; refuses one with none or too many. */
export function entryWords(pattern: string): string[] {
  const words = tokenize(pattern).map((t) => t.token);
  if (words.length === 0) throw new AppError('BLOCKLIST_PATTERN_INVALID', 'a word entry must contain at least one word (letters or digits)');
  if (words.length > MAX_PHRASE_WORDS) throw new AppError('BLOCKLIST_PATTERN_INVALID', `a word entry has at most ${MAX_PHRASE_WORDS} words`);
  return words;
}

/** Compiles an RE2 pattern, or refuses it with BLOCKLIST_PATTERN_INVALID. */
export function compileRegex(pattern: string): RE2JS {
  try {
    return RE2JS.compile(pattern, RE2JS.CASE_INSENSITIVE);
  } catch (e) {
    throw new AppError('BLOCKLIST_PATTERN_INVALID', `not an RE2 pattern: ${(e as Error).message.slice(0, 200)}`);
  }
}

export class BlocklistMatcher {
  private root: TrieNode = { next: new Map() };
  private regexes: { re: RE2JS; entry: BlocklistEntry }[] = [];
  readonly size: number;

  constructor(entries: BlocklistEntry[]) {
    // reject entries first: on a phrase both kinds end at, the trie keeps the reject
    const ordered = [...entries].sort((a, b) => (a.action === b.action ? 0 : a.action === 'reject' ? -1 : 1));
    for (const e of ordered) {
      try {
        if (e.kind === 'regex') this.regexes.push({ re: compileRegex(e.pattern), entry: e });
        else this.addWords(entryWords(e.pattern), e);
      } catch {
        // an entry stored before a stricter rule: it was checked when added; skipping it keeps sends working
      }
    }
    this.size = entries.length;
  }

  private addWords(words: string[], e: BlocklistEntry) {
    let node = this.root;
    for (const w of words) {
      let n = node.next.get(w);
      if (!n) node.next.set(w, (n = { next: new Map() }));
      node = n;
    }
    node.entry ??= e;
  }

  check(text: string): Verdict {
    const spans: [number, number][] = [];
    const masked = new Set<BlocklistEntry>();
    const { visible, at } = withoutIgnorables(text);
    /** A span of `visible` (end exclusive) as a span of `text`. */
    const back = (s: number, e: number): [number, number] => (at ? [at[s], e > s ? at[e - 1] + 1 : at[s]] : [s, e]);
    if (this.root.next.size > 0) {
      const tokens = tokenize(visible);
      for (let i = 0; i < tokens.length; i++) {
        let node: TrieNode | undefined = this.root;
        for (let j = i; j < tokens.length && j - i < MAX_PHRASE_WORDS; j++) {
          node = node.next.get(tokens[j].token);
          if (!node) break;
          if (node.entry) {
            if (node.entry.action === 'reject') return { text, rejectedBy: node.entry, masked: [] };
            spans.push(back(tokens[i].start, tokens[j].end));
            masked.add(node.entry);
          }
        }
      }
    }
    for (const { re, entry } of this.regexes) {
      const m = re.matcher(visible);
      let from = 0;
      while (from <= visible.length && m.find(from)) {
        if (entry.action === 'reject') return { text, rejectedBy: entry, masked: [] };
        const [s, e] = [m.start(), m.end()];
        if (e > s) {
          spans.push(back(s, e));
          masked.add(entry);
        }
        from = e > s ? e : e + 1;
      }
    }
    return { text: spans.length ? mask(text, spans) : text, rejectedBy: null, masked: [...masked] };
  }
}

const IGNORABLE = /\p{Default_Ignorable_Code_Point}/u;

/**
 * The text without its default-ignorable code points, and for each UTF-16 unit of it (plus one
 * past the end) its offset in the text; `at` is null when the text has none (offsets are equal).
 */
export function withoutIgnorables(text: string): { visible: string; at: number[] | null } {
  if (!IGNORABLE.test(text)) return { visible: text, at: null };
  let visible = '';
  const at: number[] = [];
  for (let i = 0; i < text.length;) {
    const cp = text.codePointAt(i)!;
    const width = cp > 0xffff ? 2 : 1;
    const ch = text.slice(i, i + width);
    if (!IGNORABLE.test(ch)) {
      visible += ch;
      for (let k = 0; k < width; k++) at.push(i + k);
    }
    i += width;
  }
  at.push(text.length);
  return { visible, at };
}

/** Replaces every code point inside the spans (UTF-16 offsets, end exclusive) with MASK_CHAR. */
export function mask(text: string, spans: [number, number][]): string {
  const hit = new Uint8Array(text.length);
  for (const [s, e] of spans) hit.fill(1, s, e);
  let out = '';
  for (let i = 0; i < text.length;) {
    const cp = text.codePointAt(i)!;
    const width = cp > 0xffff ? 2 : 1;
    out += hit[i] || (width === 2 && hit[i + 1]) ? MASK_CHAR : String.fromCodePoint(cp);
    i += width;
  }
  return out;
}
