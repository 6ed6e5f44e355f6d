// The page's reading of search highlights (highlight.ts): [start, end) UTF-16 offsets into text runs.
import { describe, expect, it } from 'vitest';
import { markRuns } from './highlight.js';

const show = (text: string, h: [number, number][]) => markRuns(text, h).map((r) => (r.mark ? `[${r.text}]` : r.text)).join('');

describe('search highlights as marked runs', () => {
  it('marks each [start, end) range, the text around it kept as is', () => {
    expect(markRuns('The deploy failed', [[4, 10]])).toEqual([{ text: 'The ', mark: false }, { text: 'deploy', mark: true }, { text: ' failed', mark: false }]);
    expect(show('deploy failed: rollback', [[0, 6], [7, 13], [15, 23]])).toBe('[deploy] [failed]: [rollback]');
    expect(show('no match', [])).toBe('no match');
    expect(markRuns('', [[0, 3]])).toEqual([]);
  });

  it('counts UTF-16 code units, as the server does (an emoji is two)', () => {
    expect(show('🎉 Café time', [[3, 7]])).toBe('🎉 [Café] time');
  });

  it('clamps ranges to the text, sorts them, and merges overlapping or touching ones', () => {
    expect(show('short', [[3, 99]])).toBe('sho[rt]');
    expect(show('alpha beta', [[6, 10], [0, 5]])).toBe('[alpha] [beta]');
    expect(show('abcdef', [[0, 3], [2, 5]])).toBe('[abcde]f');
    expect(show('abcdef', [[0, 2], [2, 4]])).toBe('[abcd]ef');
    expect(show('abcdef', [[1, 5], [2, 3]])).toBe('a[bcde]f');
    expect(show('abc', [[2, 1], [-4, 1]])).toBe('[a]bc');
  });

  it('never turns markup in the text into anything but text', () => {
    expect(markRuns('<b>x</b>', [[3, 4]])).toEqual([{ text: '<b>', mark: false }, { text: 'x', mark: true }, { text: '</b>', mark: false }]);
  });
});
