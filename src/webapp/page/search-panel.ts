// Search: a box in the top bar (GET /v1/search over my conversations) and its results in the
// sidebar, in place of the conversation list while a search is open: each result shows its
// sender, its conversation's title, its time and the server's snippet with the matched words
// as <mark> (highlight.ts: text nodes only, never markup from a message). "More results" pages
// with next_cursor. A query the server refuses (SEARCH_QUERY_INVALID, VALIDATION_FAILED) is
// said inline, under the box's results heading. Picking a result opens its conversation at
// the message (chat.ts openAt); the results stay (beside it from 720 px up, behind it on a phone).
import type { SearchResult, StrataRest } from '../../sdk/index.js';
import { clear, h, time } from './dom.js';
import { markNodes } from './highlight.js';
import { inTimeline, threadOf } from './message-el.js';

const PAGE = 20;

export interface SearchHost {
  rest: StrataRest;
  /** The title the conversation list shows for a conversation. */
  titleOf(conversationId: string): string;
  /** Opens a result's conversation at its message. */
  pick(r: SearchResult): void;
  /** A search opened (true: results in front) or closed. */
  shown(open: boolean): void;
}

/** What the page says of an error the search answered. */
export function searchError(e: unknown): { code: string; text: string } {
  const { code, detail, message } = e as { code?: string; detail?: string; message?: string };
  if (code === 'SEARCH_QUERY_INVALID' || code === 'VALIDATION_FAILED') return { code, text: `Invalid search: ${detail ?? message ?? code}` };
  return { code: code ?? 'ERROR', text: `Search failed: ${message ?? String(e)}` };
}

export class SearchPanel {
  readonly form: HTMLFormElement;
  readonly el: HTMLElement;
  private input = h('input', { type: 'search', id: 'search', name: 'q', placeholder: 'Search messages', 'aria-label': 'Search messages', maxlength: 500, autocomplete: 'off' });
  private sort = h('select', { id: 'search-sort', 'aria-label': 'Order of results' },
    h('option', { value: 'relevance' }, 'Best match'), h('option', { value: 'time' }, 'Newest'));
  private heading = h('h2', {}, 'Search');
  private status = h('p', { class: 'error search-error', role: 'alert' });
  private count = h('p', { class: 'search-count', role: 'status' });
  private list = h('ol', { class: 'search-results', 'aria-label': 'Search results' });
  private more = h('button', { type: 'button', class: 'search-more', hidden: true }, 'More results');
  private q = '';
  private next: string | null = null;
  private shownCount = 0;
  /** Bumped by every new search and close: answers to an older one are dropped. */
  private generation = 0;

  constructor(private host: SearchHost) {
    this.form = h('form', { class: 'search', role: 'search', onsubmit: (ev: Event) => (ev.preventDefault(), void this.run()) },
      this.input, this.sort, h('button', { type: 'submit', class: 'search-go' }, 'Search'));
    this.input.addEventListener('keydown', (ev) => {
      if (ev.key === 'Escape') this.close();
    });
    this.sort.addEventListener('change', () => {
      if (this.q) void this.run();
    });
    this.more.addEventListener('click', () => void this.page());
    this.el = h('section', { class: 'search-panel', 'aria-label': 'Search', hidden: true },
      h('header', { class: 'search-header' }, this.heading,
        h('button', { type: 'button', class: 'search-close', 'aria-label': 'Close search', onclick: () => this.close() }, '✕')),
      this.status, this.count, this.list, this.more);
  }

  /** Searches for what the box holds (an empty box closes the search). */
  async run() {
    const q = this.input.value.trim();
    if (!q) return this.close();
    this.generation++;
    this.q = q;
    this.next = null;
    this.shownCount = 0;
    this.heading.textContent = `Results for “${q}”`;
    this.status.textContent = '';
    delete this.status.dataset.code;
    this.count.textContent = 'Searching…';
    clear(this.list);
    this.el.hidden = false;
    this.host.shown(true);
    await this.page();
  }

  /** The next page of the current search (the first when nothing is shown yet). */
  private async page() {
    const generation = this.generation;
    this.el.dataset.state = 'loading';
    this.more.disabled = true;
    try {
      const p = await this.host.rest.search(this.q, { sort: this.sort.value as 'relevance' | 'time', limit: PAGE, ...(this.next ? { cursor: this.next } : {}) });
      if (generation !== this.generation) return;
      this.list.append(...p.results.map((r) => this.result(r)));
      this.shownCount += p.results.length;
      this.next = p.next_cursor;
      this.count.textContent = this.shownCount === 0 ? 'No messages match.' : `${this.shownCount}${this.next ? '+' : ''} ${this.shownCount === 1 ? 'message' : 'messages'}`;
      this.el.dataset.state = 'done';
    } catch (e) {
      if (generation !== this.generation) return;
      const { code, text } = searchError(e);
      this.status.textContent = text;
      this.status.dataset.code = code;
      this.count.textContent = '';
      this.el.dataset.state = 'error';
    } finally {
      if (generation === this.generation) {
        this.more.hidden = !this.next;
        this.more.disabled = false;
      }
    }
  }

  private result(r: SearchResult): HTMLElement {
    const m = r.message;
    const inThread = threadOf(m) !== null && !inTimeline(m);
    return h('li', {},
      h('button', { type: 'button', class: 'search-result', 'data-id': m.id, 'data-conversation': m.conversation_id, 'data-seq': m.seq, onclick: () => this.host.pick(r) },
        h('span', { class: 'result-head' },
          h('span', { class: 'sender' }, m.sender), h('span', { class: 'result-in' }, ' in '),
          h('span', { class: 'result-conv' }, this.host.titleOf(m.conversation_id)),
          inThread ? h('span', { class: 'result-thread' }, ' · thread') : null,
          h('time', { datetime: m.created_at }, time(m.created_at))),
        h('span', { class: 'snippet' }, ...markNodes(r.snippet.text, r.snippet.highlights))));
  }

  close() {
    this.generation++;
    this.q = this.input.value = '';
    this.next = null;
    this.el.hidden = true;
    clear(this.list);
    this.status.textContent = this.count.textContent = '';
    this.more.hidden = true;
    this.host.shown(false);
  }
}
