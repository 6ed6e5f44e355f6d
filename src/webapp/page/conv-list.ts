// The sidebar: my conversations newest activity first, each with its unread count (messages of
// the main timeline: a thread-only reply counts in its thread, not here) and its unread
// mentions of me ("@2"), and the form that creates one. Conversations without a title are
// named after their other members. The counts come from GET /v1/conversations and then move
// with each live message, once each (the socket delivers every message once, in order).
import type { ConversationSummary, Message, StrataRest } from '../../sdk/index.js';
import { h } from './dom.js';
import { mentionsOf } from './mentions.js';
import { inTimeline } from './message-el.js';

export class ConversationList {
  readonly el: HTMLElement;
  private items = new Map<string, ConversationSummary>();
  private names = new Map<string, string>();
  private ul = h('ul', { class: 'conv-list', 'aria-label': 'Conversations' });
  /** The row of each listed conversation, kept across renders. */
  private rows = new Map<string, HTMLLIElement>();
  private openId: string | undefined;
  private members = h('input', { id: 'new-members', placeholder: 'bob, carol', 'aria-label': 'Members (comma separated)', required: true });
  private titleIn = h('input', { id: 'new-title', placeholder: 'Title (optional)', 'aria-label': 'Title' });
  private status = h('p', { class: 'error', role: 'alert' });

  constructor(private me: string, private rest: StrataRest, private onOpen: (c: ConversationSummary) => void) {
    const form = h('form', { class: 'new-conv', onsubmit: (ev: Event) => (ev.preventDefault(), void this.create()) },
      h('h2', {}, 'New conversation'), this.members, this.titleIn, h('button', { type: 'submit' }, 'Create'), this.status);
    this.el = h('nav', { class: 'sidebar', 'aria-label': 'Conversations' }, form, this.ul);
  }

  private async create() {
    const members = this.members.value.split(/[\s,]+/).filter((u) => u && u !== this.me);
    if (!members.length) return void (this.status.textContent = 'Name at least one other member.');
    try {
      const title = this.titleIn.value.trim() || null;
      const c = await this.rest.createConversation({ members, title, kind: members.length === 1 && !title ? 'direct' : 'group' });
      this.members.value = this.titleIn.value = this.status.textContent = '';
      this.names.set(c.id, c.title ?? members.join(', '));
      const summary: ConversationSummary = { ...c, last_activity_at: c.created_at, last_seq: 0, read_seq: 0, unread: 0, unread_mentions: 0 };
      this.set([summary, ...this.items.values()], c.id);
      this.onOpen(summary);
    } catch (e) {
      this.status.textContent = (e as Error).message;
    }
  }

  title(c: ConversationSummary): string {
    return c.title ?? this.names.get(c.id) ?? 'conversation';
  }

  summary(id: string): ConversationSummary | undefined {
    return this.items.get(id);
  }

  set(list: ConversationSummary[], openId = this.openId) {
    this.items = new Map(list.map((c) => [c.id, c]));
    this.openId = openId;
    for (const c of list) if (!c.title && !this.names.has(c.id)) void this.name(c.id);
    this.render();
  }

  private async name(id: string) {
    this.names.set(id, '…');
    const c = await this.rest.getConversation(id).catch(() => undefined);
    this.names.set(id, c ? c.members.map((m) => m.user).filter((u) => u !== this.me).join(', ') || this.me : 'conversation');
    this.render();
  }

  /** Returns false for a conversation the list does not know yet (the caller refreshes). */
  onMessage(m: Message, isOpen: boolean): boolean {
    const c = this.items.get(m.conversation_id);
    if (!c) return false;
    if (m.seq > c.last_seq) {
      c.last_seq = m.seq;
      c.last_activity_at = m.created_at;
      if (m.sender === this.me) {
        // what I answer I have read
        c.read_seq = Math.max(c.read_seq, m.seq);
        c.unread = c.unread_mentions = 0;
      } else if (!isOpen) {
        if (inTimeline(m)) c.unread++;
        if (mentionsOf(m).includes(this.me) && m.deleted_at === null) c.unread_mentions++;
      }
      this.render();
    }
    return true;
  }

  /** A `conversation` change (or a sync): the new title, shown at once. */
  setTitle(id: string, title: string | null) {
    const c = this.items.get(id);
    if (!c || c.title === title) return;
    c.title = title;
    if (!title && !this.names.has(id)) void this.name(id);
    this.render();
  }

  /** Drops conversations I am no longer a member of. */
  remove(ids: string[]) {
    let changed = false;
    for (const id of ids) changed = this.items.delete(id) || changed;
    if (changed) this.render();
  }

  markedRead(id: string, seq: number) {
    const c = this.items.get(id);
    if (!c) return;
    c.read_seq = Math.max(c.read_seq, seq);
    // at most what comes after the read mark (exact once it reaches the last message)
    c.unread = Math.min(c.unread, Math.max(0, c.last_seq - c.read_seq));
    c.unread_mentions = Math.min(c.unread_mentions, Math.max(0, c.last_seq - c.read_seq));
    this.render();
  }

  setOpen(id: string | undefined) {
    this.openId = id;
    this.render();
  }

  focus() {
    (this.ul.querySelector('button') as HTMLButtonElement | null)?.focus();
  }

  /** Updates the list in place, one row per conversation kept across renders: a row is moved
   *  only when its place changes and never rebuilt, so a click whose mousedown lands just before
   *  a re-render (a refresh after the socket opens) still reaches its button (Chromium drops a
   *  click whose pressed element left the document in between). */
  private render() {
    const focused = (document.activeElement as HTMLElement | null)?.closest?.('.conv-list button')?.getAttribute('data-id');
    const sorted = [...this.items.values()].sort((a, b) => b.last_activity_at.localeCompare(a.last_activity_at));
    for (const [id, row] of this.rows) {
      if (this.items.has(id)) continue;
      row.remove();
      this.rows.delete(id);
    }
    sorted.forEach((c, i) => {
      let row = this.rows.get(c.id);
      if (!row) {
        const id = c.id;
        row = h('li', {}, h('button', { type: 'button', class: 'conv', 'data-id': id, onclick: () => {
          const now = this.items.get(id);
          if (now) this.onOpen(now);
        } }));
        this.rows.set(id, row);
      }
      const button = row.firstElementChild as HTMLButtonElement;
      if (c.id === this.openId) button.setAttribute('aria-current', 'true');
      else button.removeAttribute('aria-current');
      badge(button, 'name', this.title(c), '');
      badge(button, 'mentions-badge', c.unread_mentions > 0 ? `@${c.unread_mentions}` : null, `${c.unread_mentions} unread ${c.unread_mentions === 1 ? 'mention' : 'mentions'}`);
      badge(button, 'unread', c.unread > 0 ? String(c.unread) : null, `${c.unread} unread`);
      const here = this.ul.children[i];
      if (here !== row) this.ul.insertBefore(row, here ?? null);
    });
    if (focused) (this.ul.querySelector(`button[data-id="${focused}"]`) as HTMLButtonElement | null)?.focus(); // re-rendering must not steal keyboard focus
  }
}

/** The span of `cls` in a row's button, its text set in place (null: no such span; '' label: none). */
function badge(button: HTMLButtonElement, cls: string, text: string | null, label: string) {
  let span = button.querySelector(`:scope > .${cls}`);
  if (text === null) return void span?.remove();
  if (!span) button.insertBefore((span = h('span', { class: cls })), cls === 'mentions-badge' ? button.querySelector(':scope > .unread') : null); // name, @mentions, unread
  if (span.textContent !== text) span.textContent = text;
  if (label) span.setAttribute('aria-label', label);
}
