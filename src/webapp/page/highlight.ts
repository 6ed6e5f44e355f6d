// Search highlights as the page shows them: `[start, end)` UTF-16 offsets into a text (the
// server's `highlights` and `snippet.highlights`, docs/search.md) become text runs, the matched
// ones rendered as <mark>. Text is only ever set as text: a message cannot inject markup.
import type { Highlight } from '../../sdk/index.js';

export interface Run {
  text: string;
  mark: boolean;
}

/** The text cut at the highlights: in order, no empty run, each highlight clamped to the text;
 *  highlights out of order or overlapping an earlier one are merged into it, not repeated. */
export function markRuns(text: string, highlights: readonly Highlight[]): Run[] {
  const spans = highlights
    .map(([s, e]) => [Math.max(0, Math.min(s, text.length)), Math.max(0, Math.min(e, text.length))] as const)
    .filter(([s, e]) => e > s)
    .sort((a, b) => a[0] - b[0]);
  const runs: Run[] = [];
  let from = 0;
  for (const [s, e] of spans) {
    if (e <= from) continue; // inside an earlier one
    const start = Math.max(s, from);
    if (start > from) runs.push({ text: text.slice(from, start), mark: false });
    const last = runs[runs.length - 1];
    if (last?.mark && start === from) last.text += text.slice(start, e); // touching or overlapping the previous mark
    else runs.push({ text: text.slice(start, e), mark: true });
    from = e;
  }
  if (from < text.length) runs.push({ text: text.slice(from), mark: false });
  return runs;
}

/** The runs as text nodes and <mark> elements. */
export function markNodes(text: string, highlights: readonly Highlight[]): (Node | string)[] {
  return markRuns(text, highlights).map((r) => {
    if (!r.mark) return r.text;
    const m = document.createElement('mark');
    m.textContent = r.text;
    return m;
  });
}
