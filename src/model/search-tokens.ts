// The words of a text as search sees them, one definition for every tier (docs/search.md):
// the text is cut into words by Intl.Segmenter (ICU word boundaries: dictionary segmentation
// for Chinese, Japanese, Thai, …, so CJK needs no n-grams), and each word is normalised —
// NFKC, lower case, Latin/Greek/Cyrillic diacritics removed (café = cafe; Japanese voiced
// marks are kept). The warm store indexes these tokens (SQLite FTS5, PostgreSQL tsvector) and
// search checks every candidate against them, so the engines only narrow the search: the same
// query matches the same messages whichever engine or tier answers.

/** One required term of a search query (search/query.ts): consecutive words, the last maybe a prefix. */
export interface Term {
  /** Consecutive normalised words (one for a plain word). */
  words: string[];
  /** The last word matches as a prefix. */
  prefix: boolean;
}

export interface Token {
  /** The normalised word. */
  token: string;
  /** Where the word is in the original text (UTF-16 offsets, end exclusive): highlights. */
  start: number;
  end: number;
}

const segmenter = new Intl.Segmenter('und', { granularity: 'word' });
const MAX_TOKEN = 64;

/** One word, normalised; '' when nothing of it is searchable. */
export function normalizeWord(word: string): string {
  return word.normalize('NFKC').toLowerCase().normalize('NFD').replace(/[\u0300-\u036f]/g, '').normalize('NFC').replace(/\s+/g, '').slice(0, MAX_TOKEN);
}

export function tokenize(text: string): Token[] {
  const out: Token[] = [];
  for (const s of segmenter.segment(text)) {
    if (!s.isWordLike) continue;
    const token = normalizeWord(s.segment);
    if (token) out.push({ token, start: s.index, end: s.index + s.segment.length });
  }
  return out;
}

/** The tokens of a text as the index stores them: normalised words separated by one space. */
export function indexText(text: string | null): string {
  return text === null ? '' : tokenize(text).map((t) => t.token).join(' ');
}
