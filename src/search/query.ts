// The search query language (docs/search.md) and the one matcher every tier's candidates go
// through. Grammar, terms separated by spaces, all required (AND):
//   word        a word (normalised like the index: model/search-tokens.ts)
//   "a phrase"  words in this order, next to each other
//   prefix*     a word starting with it (the last word of a phrase may end in * too)
//   from:user   only messages sent by this user
//   in:<id>     only this conversation
// Anything else is a clear SEARCH_QUERY_INVALID, never a 500.
import { AppError } from '../errors.js';
import { tokenize, type Term, type Token } from '../model/search-tokens.js';

export type { Term };

export interface Query {
  terms: Term[];
  from?: string;
  in?: string;
}

export const MAX_QUERY_CHARS = 500;
export const MAX_TERMS = 16;

const invalid = (why: string) => new AppError('SEARCH_QUERY_INVALID', why);

export function parseQuery(q: string): Query {
  if (q.length > MAX_QUERY_CHARS) throw invalid(`the query is longer than ${MAX_QUERY_CHARS} characters`);
  const out: Query = { terms: [] };
  let i = 0;
  while (i < q.length) {
    if (/\s/.test(q[i])) {
      i++;
      continue;
    }
    if (q[i] === '"') {
      const close = q.indexOf('"', i + 1);
      if (close < 0) throw invalid('a phrase is missing its closing quote (")');
      const prefix = q[close + 1] === '*';
      addTerm(out, q.slice(i + 1, close), prefix);
      i = close + 1 + (prefix ? 1 : 0);
      continue;
    }
    let j = i;
    while (j < q.length && !/\s/.test(q[j]) && q[j] !== '"') j++;
    const word = q.slice(i, j);
    i = j;
    const op = /^(from|in):(.*)$/i.exec(word);
    if (op) {
      const key = op[1].toLowerCase() as 'from' | 'in';
      if (!op[2]) throw invalid(`${key}: needs a value, e.g. ${key === 'from' ? 'from:alice' : 'in:<conversation id>'}`);
      if (out[key] !== undefined) throw invalid(`${key}: is given twice`);
      out[key] = op[2];
      continue;
    }
    const prefix = word.endsWith('*');
    const bare = prefix ? word.slice(0, -1) : word;
    if (bare.includes('*')) throw invalid(`* is allowed at the end of a word only (${word})`);
    if (prefix && !bare) throw invalid('* needs a word before it');
    addTerm(out, bare, prefix);
  }
  if (out.terms.length === 0 && out.from === undefined) throw invalid('nothing to search for: give a word, a "phrase", a prefix* or from:user');
  if (out.terms.length > MAX_TERMS) throw invalid(`at most ${MAX_TERMS} words, phrases and prefixes`);
  return out;
}

function addTerm(out: Query, text: string, prefix: boolean) {
  const words = tokenize(text).map((t) => t.token);
  if (words.length === 0) {
    if (prefix) throw invalid(`nothing searchable before * in ${JSON.stringify(text)}`);
    return; // punctuation only: no word to look for
  }
  out.terms.push({ words, prefix });
}

/** Whether the indexed words of a message contain every term. */
export function matches(words: string[], terms: Term[]): boolean {
  return terms.every((t) => occurrences(words, t) > 0);
}

function at(words: string[], i: number, t: Term): boolean {
  const n = t.words.length;
  for (let k = 0; k < n; k++) {
    const w = words[i + k];
    if (w === undefined) return false;
    const last = k === n - 1;
    if (last && t.prefix ? !w.startsWith(t.words[k]) : w !== t.words[k]) return false;
  }
  return true;
}

function occurrences(words: string[], t: Term): number {
  let n = 0;
  for (let i = 0; i < words.length; i++) if (at(words, i, t)) n++;
  return n;
}

/**
 * Relevance from the message alone (no corpus statistics, which differ per tier): for each
 * term, its frequency saturated and weighed by the message's length (BM25's shape without
 * IDF). Rounded, so it compares and pages exactly.
 */
export function score(words: string[], terms: Term[]): number {
  const norm = 0.25 + 0.75 * (words.length / 12);
  let s = 0;
  for (const t of terms) {
    const tf = occurrences(words, t);
    s += (tf * 2.2) / (tf + 1.2 * norm);
  }
  return Math.round(s * 1e6) / 1e6;
}

export const SNIPPET_CHARS = 160;

/**
 * An excerpt of at most SNIPPET_CHARS around the first highlight, cut at word boundaries where
 * it can be, with an ellipsis (…) where text was left out, and the highlights inside it.
 */
export function snippet(text: string | null, marks: [number, number][]): { text: string; highlights: [number, number][] } {
  if (text === null) return { text: '', highlights: [] };
  if (text.length <= SNIPPET_CHARS) return { text, highlights: marks };
  const first = marks[0]?.[0] ?? 0;
  let start = Math.max(0, Math.min(first - 40, text.length - SNIPPET_CHARS));
  let end = Math.min(text.length, start + SNIPPET_CHARS);
  // whole words: move inwards to the nearest space, unless that would drop the first highlight
  if (start > 0) {
    const sp = text.indexOf(' ', start);
    if (sp >= 0 && sp < first) start = sp + 1;
  }
  if (end < text.length) {
    const sp = text.lastIndexOf(' ', end);
    if (sp > start && sp > (marks[0]?.[1] ?? 0)) end = sp;
  }
  const head = start > 0 ? '…' : '';
  const shift = head.length - start;
  return {
    text: `${head}${text.slice(start, end)}${end < text.length ? '…' : ''}`,
    highlights: marks.filter(([s, e]) => s >= start && e <= end).map(([s, e]) => [s + shift, e + shift]),
  };
}

/** Where the terms' words are in the text (UTF-16 [start, end) pairs, ascending). */
export function highlights(text: string | null, terms: Term[]): [number, number][] {
  if (text === null || terms.length === 0) return [];
  const tokens: Token[] = tokenize(text);
  const words = tokens.map((t) => t.token);
  const marked = new Set<number>();
  for (const t of terms) for (let i = 0; i < words.length; i++) if (at(words, i, t)) for (let k = 0; k < t.words.length; k++) marked.add(i + k);
  return [...marked].sort((a, b) => a - b).map((i) => [tokens[i].start, tokens[i].end]);
}


