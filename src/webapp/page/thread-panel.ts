// A thread beside the conversation: its root, its replies paged from GET …/replies (latest
// page first, older ones on demand), live replies added by the conversation view (every reply
// is an ordinary `message` of the conversation with thread_id set), and a reply box whose
// sends carry thread_id, with "Also send to conversation" for a reply the main timeline shows
// too. Seeing the latest reply raises my read watermark in the thread (POST …/read); the
// panel says where the server put it in data-read-seq. A reply gone to (a search result) is
// paged back to if need be, scrolled to and flashed.
import type { Message, SendOptions, StrataRest } from '../../sdk/index.js';
import { Composer } from './composer.js';
import { clear, focusUnlessTyping, h, newClientId } from './dom.js';
import { flash, renderMessage, tickEl, type MessageCtx } from './message-el.js';

const PAGE = 50;
/** Pages of older replies read at most to find a reply gone to. */
const FIND_PAGES = 20;
/** Read marks the server capped below the reply seen (it had not stored that reply yet): asked again this often, backing off. */
const READ_RETRIES = 4;

/** What the panel needs of its conversation view. */
export interface ThreadHost extends Omit<MessageCtx, 'reply' | 'thread' | 'openThread'> {
  rest: StrataRest;
  /** Sends in the conversation (mentions added from the text); the message then comes in like any other. */
  post(text: string, opts: SendOptions): Promise<Message>;
  /** My read watermark in the thread moved: its unread badge goes. */
  threadRead(rootId: string): void;
  closeThread(): void;
}

export class ThreadPanel {
  readonly el: HTMLElement;
  private rootBox = h('div', { class: 'thread-root' }, h('p', { class: 'empty' }, 'Loading…'));
  private list = h('div', { class: 'thread-replies', role: 'log', 'aria-label': 'Replies', tabindex: 0 });
  private top = h('div', { class: 'top' });
  private also = h('input', { type: 'checkbox', id: 'thread-also' });
  private status = h('p', { class: 'error', role: 'alert' });
  readonly composer: Composer;
  private ctx: MessageCtx;
  private root: Message | undefined;
  private replies = new Map<string, Message>();
  private els = new Map<string, HTMLElement>();
  private pending = new Map<string, HTMLElement>();
  private firstSeq = 0;
  private hasMore = false;
  private loadingOlder = false;
  private readSent = 0;
  private closed = false;
  /** The reply gone to last (kept across re-renders as data-focused). */
  private focused: string | undefined;

  constructor(private host: ThreadHost, readonly rootId: string) {
    this.ctx = {
      me: host.me,
      byId: (id) => this.replies.get(id) ?? (id === rootId ? this.root : undefined) ?? host.byId(id),
      reactions: (id) => host.reactions(id),
      tick: (m) => host.tick(m),
      reply: (m) => this.composer.setReply(m),
      toggleReaction: (m, r) => host.toggleReaction(m, r),
      edit: (m, text) => host.edit(m, text),
      remove: (m) => host.remove(m),
      report: host.report,
      links: host.links,
    };
    this.composer = new Composer((text, replyTo) => this.send(text, replyTo), () => {}, {
      id: 'thread-composer', label: 'Reply in thread',
      extra: h('label', { class: 'also', for: 'thread-also' }, this.also, ' Also send to conversation'),
    });
    this.el = h('aside', { class: 'thread-panel', 'aria-label': 'Thread', 'data-root': rootId },
      h('header', { class: 'thread-header' }, h('h3', {}, 'Thread'),
        h('button', { type: 'button', class: 'thread-close', 'aria-label': 'Close thread', onclick: () => host.closeThread() }, '✕')),
      this.rootBox, this.list, this.status, this.composer.el);
    this.list.append(this.top);
  }

  async load() {
    const focusedAtStart = document.activeElement;
    try {
      const [view, page] = await Promise.all([this.host.rest.getThread(this.rootId), this.host.rest.replies(this.rootId, { limit: PAGE })]);
      this.update(view.root);
      for (const m of page.messages) this.add(m);
      this.firstSeq = page.messages[0]?.seq ?? 0;
      this.setHasMore(page.has_more);
      this.list.scrollTop = this.list.scrollHeight;
      this.markRead();
      focusUnlessTyping(this.composer.input, focusedAtStart);
      this.el.dataset.loaded = '';
    } catch (e) {
      this.status.textContent = (e as Error).message;
    }
  }

  focus() {
    this.composer.input.focus();
  }

  private setHasMore(more: boolean) {
    this.hasMore = more;
    clear(this.top, more ? h('button', { type: 'button', class: 'older', onclick: () => void this.loadOlder() }, 'Load older replies') : null);
  }

  /** Shows a reply of this thread: older pages are read until it is there, then it is scrolled to and flashed. */
  async reveal(t: { id: string; seq: number }) {
    for (let i = 0; i < FIND_PAGES && !this.els.has(t.id) && this.hasMore && this.firstSeq > t.seq; i++) await this.loadOlder();
    const el = this.els.get(t.id);
    if (!el || this.closed) return;
    for (const old of this.list.querySelectorAll('[data-focused]')) old.removeAttribute('data-focused');
    this.focused = t.id;
    el.dataset.focused = '';
    el.scrollIntoView({ block: 'center' });
    flash(el);
  }

  private async loadOlder() {
    if (this.loadingOlder || !this.hasMore || !this.firstSeq) return;
    this.loadingOlder = true;
    try {
      const page = await this.host.rest.replies(this.rootId, { before: this.firstSeq, limit: PAGE });
      for (const m of page.messages) this.add(m);
      if (page.messages.length) this.firstSeq = page.messages[0].seq;
      this.setHasMore(page.has_more && page.messages.length > 0);
    } catch (e) {
      this.status.textContent = (e as Error).message;
    } finally {
      this.loadingOlder = false;
    }
  }

  /** A reply of this thread (loaded, live or acked): shown once, in seq order, at its newest version. */
  add(m: Message) {
    const known = this.replies.get(m.id);
    if (known && known.version > m.version) return;
    this.replies.set(m.id, m);
    const el = renderMessage(m, this.ctx);
    if (m.id === this.focused) el.dataset.focused = '';
    const old = this.els.get(m.id);
    this.els.set(m.id, el);
    if (old) return old.replaceWith(el);
    const placeholder = m.client_id ? this.pending.get(m.client_id) : undefined;
    if (placeholder) {
      this.pending.delete(m.client_id!);
      placeholder.remove();
    }
    const atBottom = this.list.scrollHeight - this.list.scrollTop - this.list.clientHeight < 120;
    // before the first reply after it, or the first send still pending
    const next = [...this.list.children].find((c) => c instanceof HTMLElement && (c.classList.contains('pending') || Number(c.dataset.seq) > m.seq));
    if (next) next.before(el);
    else this.list.append(el);
    if (atBottom || m.sender === this.host.me) this.list.scrollTop = this.list.scrollHeight;
    this.markRead();
  }

  /** An edit, a delete or a reaction of the root or of a shown reply. */
  update(m: Message) {
    if (m.id === this.rootId) {
      if (this.root && this.root.version > m.version) return;
      this.root = m;
      clear(this.rootBox, renderMessage(m, this.ctx));
    } else if (this.replies.has(m.id)) this.add(m);
  }

  /** Raises my read watermark to the latest reply shown, while the page is visible. */
  markRead(attempt = 0) {
    let last = 0;
    for (const m of this.replies.values()) last = Math.max(last, m.seq);
    if (this.closed || !last || document.visibilityState !== 'visible' || (attempt === 0 && last <= this.readSent)) return;
    this.readSent = last;
    this.host.threadRead(this.rootId);
    this.host.rest.markThreadRead(this.rootId, last).then(({ read_seq }) => {
      this.el.dataset.readSeq = String(read_seq);
      // The server caps the mark at the last reply it has stored: a reply acked a moment ago may
      // not be there yet. Ask again (a bounded backoff), so the thread does not come back unread.
      if (read_seq < last && attempt < READ_RETRIES && this.readSent === last) setTimeout(() => this.markRead(attempt + 1), 250 * 2 ** attempt);
    }, () => {
      this.readSent = 0; // retried with the next reply or visibility change
    });
  }

  private send(text: string, replyTo?: Message) {
    const client_id = newClientId();
    const el = h('article', { class: 'msg mine pending', 'data-client-id': client_id },
      h('header', {}, h('span', { class: 'sender' }, this.host.me), tickEl('pending')), h('div', { class: 'text' }, text));
    this.pending.set(client_id, el);
    this.list.append(el);
    this.list.scrollTop = this.list.scrollHeight;
    const also = this.also.checked;
    this.also.checked = false;
    const opts: SendOptions = { client_id, thread_id: this.rootId, ...(also ? { also_in_conversation: true } : {}), ...(replyTo ? { reply_to: replyTo.id } : {}) };
    this.host.post(text, opts).catch((e: Error) => {
      el.classList.add('failed');
      el.querySelector('.tick')?.replaceWith(tickEl('failed'));
      el.title = e.message;
    });
  }

  close() {
    this.closed = true;
    this.el.remove();
  }
}
