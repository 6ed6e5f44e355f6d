// The blocklist matcher alone: word entries on normalised whole words (phrases across spaces and
// punctuation, NFKC, case, diacritics), regex entries through RE2, reject beating mask, masks
// counted in code points (a surrogate pair is one `*`, never half of one), and pathological input
// answered by an automaton, not by backtracking.
import { describe, expect, it } from 'vitest';
import type { BlocklistEntry } from '../store/blocklist-store.js';
import { BlocklistMatcher, compileRegex, entryWords, mask } from './blocklist-matcher.js';

let n = 0;
const e = (kind: 'word' | 'regex', pattern: string, action: 'reject' | 'mask'): BlocklistEntry =>
  ({ id: `e${n++}`, kind, pattern, action, created_by: 'root', created_at: '2026-04-01T00:00:00.000Z' });

describe('BlocklistMatcher', () => {
  it('matches words and phrases as search normalises them', () => {
    const m = new BlocklistMatcher([e('word', 'Café Noir', 'mask'), e('word', 'spam', 'mask')]);
    expect(m.check('CAFE   noir! and SPAM, not spammy').text).toBe('***********! and ****, not spammy'); // a phrase: its whole span
    expect(m.check('ｓｐａｍ').text).toBe('****');
    expect(m.check('café').text).toBe('café');
  });

  it('a reject anywhere wins; regexes are case-insensitive on the text as sent', () => {
    const bad = e('regex', 'fr[e3]{2}\\s+m[o0]ney', 'reject');
    const m = new BlocklistMatcher([e('word', 'spam', 'mask'), bad]);
    expect(m.check('spam and FR33 m0ney').rejectedBy).toBe(bad);
    expect(m.check('spam only')).toMatchObject({ rejectedBy: null, text: '**** only' });
  });

  it('sees through invisible code points (soft hyphen, zero-width space and joiner, variation selectors), masking them with the word', () => {
    const rej = e('word', 'fnord', 'reject');
    const m = new BlocklistMatcher([rej, e('word', 'spam', 'mask'), e('regex', 'fr[e3]{2}', 'mask')]);
    for (const t of ['fnord', 'fn\u00adord', 'fn\u200bord', 'fn\u200dord', 'f\ufe0fnord', 'FN\u2060ORD']) expect(m.check(t).rejectedBy, JSON.stringify(t)).toBe(rej);
    expect(m.check('sp\u200bam ok').text).toBe('***** ok');
    expect(m.check('a fr\u00ade3 b').text).toBe('a ***** b');
    expect(m.check('\u200bspam\u200b').text).toBe('\u200b****\u200b'); // outside the word: kept
    expect(m.check('😀\u200dsp\u200cam').text).toBe('😀\u200d*****');
  });

  it('masks code points, never half a surrogate pair', () => {
    expect(mask('a😀b', [[1, 2]])).toBe('a*b'); // a span ending inside the pair masks the whole pair
    const m = new BlocklistMatcher([e('regex', '😀+', 'mask')]);
    expect(m.check('x😀😀y').text).toBe('x**y');
  });

  it('refuses what RE2 cannot run in linear time, and runs the classic ReDoS patterns in linear time', () => {
    for (const p of ['(a)\\1', '(?=a)', '(?<=a)b', '(']) expect(() => compileRegex(p)).toThrow(expect.objectContaining({ code: 'BLOCKLIST_PATTERN_INVALID' }));
    expect(() => entryWords('?!')).toThrow(expect.objectContaining({ code: 'BLOCKLIST_PATTERN_INVALID' }));
    const m = new BlocklistMatcher([e('regex', '(a+)+$', 'reject'), e('regex', '(a|aa)*c', 'reject'), e('regex', '(x+x+)+y', 'reject')]);
    // each of these takes a backtracking engine longer than the age of the universe
    expect(m.check(`${'a'.repeat(50_000)}!`).rejectedBy).toBeNull();
    expect(m.check(`${'x'.repeat(50_000)}`).rejectedBy).toBeNull();
    expect(m.check('a'.repeat(50_000)).rejectedBy?.pattern).toBe('(a+)+$');
  });
});
