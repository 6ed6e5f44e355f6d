import { describe, expect, it } from 'vitest';
import { indexText, tokenize } from '../model/search-tokens.js';
import { highlights, matches, parseQuery, score, snippet, SNIPPET_CHARS } from './query.js';

const words = (text: string) => indexText(text).split(' ').filter(Boolean);
const hit = (q: string, text: string) => matches(words(text), parseQuery(q).terms);

describe('search tokens', () => {
  it('normalises case, width and Latin diacritics, keeps Japanese voiced marks, segments CJK by dictionary', () => {
    expect(indexText('Café NAÏVE Ｆｕｌｌ')).toBe('cafe naive full');
    expect(indexText('ガラス')).toBe('ガラス'); // not カラス
    expect(indexText('我们今天去北京吃饭')).toBe('我们 今天 去 北京 吃饭');
    expect(indexText("don't e-mail 3.14")).toBe("don't e mail 3.14");
    expect(indexText(null)).toBe('');
  });

  it('keeps each word\'s place in the original text', () => {
    expect(tokenize('Héllo wörld').map((t) => [t.token, t.start, t.end])).toEqual([['hello', 0, 5], ['world', 6, 11]]);
  });
});

describe('search query', () => {
  it('parses words, phrases, prefixes, from: and in:', () => {
    const q = parseQuery('Hello "big world" wor* from:bob in:abc');
    expect(q.terms).toEqual([{ words: ['hello'], prefix: false }, { words: ['big', 'world'], prefix: false }, { words: ['wor'], prefix: true }]);
    expect(q).toMatchObject({ from: 'bob', in: 'abc' });
    expect(parseQuery('e-mail').terms).toEqual([{ words: ['e', 'mail'], prefix: false }]); // one word that splits: a phrase
    expect(parseQuery('from:bob').terms).toEqual([]);
  });

  it('refuses what does not parse, with SEARCH_QUERY_INVALID', () => {
    for (const q of ['"open', 'a*b', '*', 'from:', 'in:x in:y', '!!!', 'x'.repeat(501), Array.from({ length: 17 }, (_, i) => `w${i}`).join(' ')]) {
      expect(() => parseQuery(q), q).toThrow(expect.objectContaining({ code: 'SEARCH_QUERY_INVALID' }));
    }
  });

  it('matches every term: words exactly, phrases in order and adjacent, prefixes', () => {
    expect(hit('world', 'Hello, World!')).toBe(true);
    expect(hit('worl', 'Hello, World!')).toBe(false);
    expect(hit('worl*', 'Hello, World!')).toBe(true);
    expect(hit('"hello world"', 'hello big world')).toBe(false);
    expect(hit('"big world"', 'hello big world')).toBe(true);
    expect(hit('"big wo"*', 'hello big world')).toBe(true);
    expect(hit('hello missing', 'hello big world')).toBe(false);
    expect(hit('cafe', 'un café')).toBe(true);
    expect(hit('北京', '我们今天去北京吃饭')).toBe(true);
    expect(hit('北', '我们今天去北京吃饭')).toBe(false);
    expect(hit('北*', '我们今天去北京吃饭')).toBe(true);
  });

  it('scores from the message alone: more occurrences and shorter messages first', () => {
    const t = parseQuery('cat').terms;
    expect(score(words('cat cat dog'), t)).toBeGreaterThan(score(words('cat dog dog'), t));
    expect(score(words('cat'), t)).toBeGreaterThan(score(words('cat and a very long sentence about other things'), t));
    expect(score(words('dog'), t)).toBe(0);
  });

  it('cuts a snippet around the first match at word boundaries, with its highlights', () => {
    const text = `${'lorem ipsum '.repeat(30)}the NEEDLE is here ${'dolor sit '.repeat(30)}`;
    const s = snippet(text, highlights(text, parseQuery('needle').terms));
    expect(s.text.length).toBeLessThanOrEqual(SNIPPET_CHARS + 2);
    expect(s.text.startsWith('…') && s.text.endsWith('…')).toBe(true);
    expect(s.highlights.map(([a, b]) => s.text.slice(a, b))).toEqual(['NEEDLE']);
    expect(s.text).toMatch(/^…\S/); // starts on a whole word
    expect(snippet('short text', [[0, 5]])).toEqual({ text: 'short text', highlights: [[0, 5]] });
  });

  it('highlights the matched words in the original text', () => {
    const text = 'Le Café, le CAFÉ noir';
    expect(highlights(text, parseQuery('café "cafe noir"').terms).map(([s, e]) => text.slice(s, e))).toEqual(['Café', 'CAFÉ', 'noir']);
  });
});
