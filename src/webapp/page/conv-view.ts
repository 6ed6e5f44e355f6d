// The open conversation: history paged lazily backwards (REST, whichever tier answers), live
// messages in seq order (a gap is filled from REST before anything after it is shown), the
// other changes of the change log (edits, deletes, reactions, members, title) applied in
// place, receipts as per-member watermarks, typing and presence, and the composer.
import type { MemberChange, Message, Strata } from '../../sdk/index.js';
import { clear, h } from './dom.js';
import { Composer } from './composer.js';
import { renderMessage, tickEl, type MessageCtx, type Tick } from './message-el.js';
import { Receipts } from './receipts.js';

export interface ViewCtx {
  me: string;
  client: Strata;
  presence: Map<string, boolean>;
  markedRead(conversationId: string, seq: number): void;
  back(): void;
}

const PAGE = 50;
let clientSeq = 0;
const newClientId = () => `web-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}-${clientSeq++}`;

export class ConversationView implements MessageCtx {
  readonly el: HTMLElement;
  readonly me: string;
  readonly receipts: Receipts;
  private list = h('div', { class: 'messages', role: 'log', 'aria-label': 'Messages', tabindex: 0 });
  private top = h('div', { class: 'top' });
  private membersEl = h('span', { class: 'members' });
  private titleEl: HTMLElement;
  private typingEl = h('div', { class: 'typing', 'aria-live': 'polite' });
  private composer: Composer;
  private msgs = new Map<string, Message>();
  private els = new Map<string, HTMLElement>();
  private pending = new Map<string, HTMLElement>();
  private reacts = new Map<string, Map<string, Set<string>>>();
  /** Edits and deletes of messages not shown yet (older than the loaded pages, or in flight
   *  while history loads): used when they are rendered. */
  private early = new Map<string, Message>();
  private typers = new Map<string, ReturnType<typeof setTimeout>>();
  private members: string[] = [];
  private firstSeq = 0;
  private lastSeq = 0;
  private hasMore = false;
  private loadingOlder = false;
  private chain: Promise<void> = Promise.resolve();
  private readSent = 0;

  constructor(private ctx: ViewCtx, readonly id: string, title: string) {
    this.me = ctx.me;
    this.receipts = new Receipts(ctx.client.rest, ctx.me, () => this.refreshTicks());
    this.composer = new Composer((text, replyTo) => this.send(text, replyTo), () => ctx.client.socket.typing(id));
    this.list.addEventListener('scroll', () => {
      if (this.list.scrollTop < 200) void this.loadOlder();
    });
    this.titleEl = h('h2', {}, title);
    this.el = h('section', { class: 'conversation', 'aria-label': `Conversation ${title}`, 'data-id': id },
      h('header', { class: 'conv-header' }, h('button', { type: 'button', class: 'back', 'aria-label': 'Back to conversations', onclick: () => ctx.back() }, '←'),
        this.titleEl, this.membersEl),
      this.list, this.typingEl, this.composer.el);
  }

  async load() {
    const rest = this.ctx.client.rest;
    const [conv, page] = await Promise.all([rest.getConversation(this.id), rest.history(this.id, { limit: PAGE })]);
    this.members = conv.members.map((m) => m.user);
    this.receipts.setMembers(this.members);
    this.renderPresence();
    this.list.append(this.top);
    for (const m of page.messages) this.append(m);
    this.firstSeq = page.messages[0]?.seq ?? 0;
    this.setHasMore(page.has_more);
    this.list.scrollTop = this.list.scrollHeight;
    await this.receipts.load([...this.msgs.values()]);
    this.markRead();
    this.composer.input.focus();
  }

  private setHasMore(more: boolean) {
    this.hasMore = more;
    clear(this.top, more
      ? h('button', { type: 'button', class: 'older', onclick: () => void this.loadOlder() }, 'Load older messages')
      : h('p', { class: 'start', 'data-start': '' }, 'Beginning of the conversation'));
  }

  async loadOlder() {
    if (this.loadingOlder || !this.hasMore || !this.firstSeq) return;
    this.loadingOlder = true;
    try {
      const page = await this.ctx.client.rest.history(this.id, { before: this.firstSeq, limit: PAGE });
      const height = this.list.scrollHeight;
      const frag = document.createDocumentFragment();
      for (const m of page.messages) frag.append(this.render(m));
      this.top.after(frag);
      if (page.messages.length) this.firstSeq = page.messages[0].seq;
      this.setHasMore(page.has_more && page.messages.length > 0);
      this.list.scrollTop += this.list.scrollHeight - height; // keep what the reader looks at in place
    } finally {
      this.loadingOlder = false;
    }
  }

  /** A live or acked message; anything beyond lastSeq + 1 waits for the gap to be fetched. */
  onMessage(m: Message) {
    this.chain = this.chain.then(async () => {
      if (this.msgs.has(m.id)) return this.onUpdate(m);
      if (m.seq <= this.lastSeq) return;
      while (m.seq > this.lastSeq + 1) {
        const page = await this.ctx.client.rest.history(this.id, { after: this.lastSeq, limit: 200 });
        for (const x of page.messages) if (x.seq > this.lastSeq) this.append(x);
        if (!page.has_more || !page.messages.length) break;
      }
      if (m.seq > this.lastSeq) this.append(m);
      this.markRead();
    }).catch(() => {
      // the gap could not be fetched (offline): the socket's resume delivers it later
    });
  }

  /** An edit, a delete, or a re-render (reactions); an older version than shown is ignored (a
   *  change replayed after the history page that already holds its result). */
  onUpdate(m: Message) {
    const known = this.msgs.get(m.id) ?? this.early.get(m.id);
    if (known && known.version > m.version) return;
    const el = this.els.get(m.id);
    if (!el) return void this.early.set(m.id, m);
    this.msgs.set(m.id, m);
    const next = this.render(m);
    el.replaceWith(next);
  }

  private render(m: Message): HTMLElement {
    const early = this.early.get(m.id);
    if (early) {
      this.early.delete(m.id);
      if (early.version > m.version) m = early;
    }
    this.msgs.set(m.id, m);
    const el = renderMessage(m, this);
    this.els.set(m.id, el);
    return el;
  }

  private append(m: Message) {
    // A live frame can overtake the first history page: never show a message twice.
    if (this.els.get(m.id)?.isConnected) return this.onUpdate(m);
    const list = this.list;
    const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 120;
    const placeholder = m.client_id ? this.pending.get(m.client_id) : undefined;
    const el = this.render(m);
    if (placeholder) {
      this.pending.delete(m.client_id!);
      placeholder.remove();
    }
    list.append(el);
    if (!this.firstSeq) this.firstSeq = m.seq;
    this.lastSeq = Math.max(this.lastSeq, m.seq);
    if (atBottom || m.sender === this.me) list.scrollTop = list.scrollHeight;
  }

  private send(text: string, replyTo?: Message) {
    const client_id = newClientId();
    const el = h('article', { class: 'msg mine pending', 'data-client-id': client_id },
      h('header', {}, h('span', { class: 'sender' }, this.me), tickEl('pending')), h('div', { class: 'text' }, text));
    this.pending.set(client_id, el);
    this.list.append(el);
    this.list.scrollTop = this.list.scrollHeight;
    const { socket, rest } = this.ctx.client;
    const opts = { client_id, ...(replyTo ? { reply_to: replyTo.id } : {}) };
    const sent = socket.state === 'closed' ? rest.send(this.id, text, opts) : socket.send(this.id, text, opts);
    sent.then((m) => this.onMessage(m), (e: Error) => {
      el.classList.add('failed');
      el.querySelector('.tick')?.replaceWith(tickEl('failed'));
      el.title = e.message;
    });
  }

  markRead() {
    if (document.visibilityState !== 'visible' || this.lastSeq <= this.readSent) return;
    this.readSent = this.lastSeq;
    this.ctx.markedRead(this.id, this.lastSeq);
    this.ctx.client.rest.markRead(this.id, this.lastSeq).catch(() => {
      this.readSent = 0; // retried with the next message or visibility change
    });
  }

  // MessageCtx
  byId = (id: string) => this.msgs.get(id);
  reactions = (id: string) => this.reacts.get(id) ?? new Map<string, Set<string>>();
  tick = (m: Message): Tick => this.receipts.tick(m);
  reply = (m: Message) => this.composer.setReply(m);
  edit = async (m: Message, text: string) => this.onUpdate(await this.ctx.client.rest.edit(m.id, text));
  remove = async (m: Message) => this.onUpdate(await this.ctx.client.rest.delete(m.id));

  toggleReaction(m: Message, reaction: string) {
    const had = this.reactions(m.id).get(reaction)?.has(this.me) ?? false;
    this.setReaction(m.id, this.me, reaction, !had);
    const rest = this.ctx.client.rest;
    (had ? rest.unreact(m.id, reaction) : rest.react(m.id, reaction)).catch(() => this.setReaction(m.id, this.me, reaction, had));
  }

  setReaction(messageId: string, user: string, reaction: string, on: boolean) {
    let byReaction = this.reacts.get(messageId);
    if (!byReaction) this.reacts.set(messageId, (byReaction = new Map()));
    let users = byReaction.get(reaction);
    if (!users) byReaction.set(reaction, (users = new Set()));
    if (on) users.add(user);
    else users.delete(user);
    const m = this.msgs.get(messageId);
    if (m) this.onUpdate(m);
  }

  /** A `member` change: someone was added, removed or re-roled. */
  onMember(c: MemberChange) {
    if (c.change === 'added' && !this.members.includes(c.user)) this.members.push(c.user);
    if (c.change === 'removed') this.members = this.members.filter((u) => u !== c.user);
    this.receipts.setMembers(this.members);
    this.renderPresence();
    this.refreshTicks();
  }

  setTitle(title: string) {
    this.titleEl.textContent = title;
    this.el.setAttribute('aria-label', `Conversation ${title}`);
  }

  onTyping(user: string) {
    if (user === this.me) return;
    clearTimeout(this.typers.get(user));
    this.typers.set(user, setTimeout(() => (this.typers.delete(user), this.renderTyping()), 5000));
    this.renderTyping();
  }

  private renderTyping() {
    const who = [...this.typers.keys()];
    this.typingEl.textContent = who.length ? `${who.join(', ')} ${who.length === 1 ? 'is' : 'are'} typing…` : '';
  }

  renderPresence() {
    clear(this.membersEl, ...this.members.filter((u) => u !== this.me).map((u) => {
      const online = this.ctx.presence.get(u) === true;
      return h('span', { class: `member${online ? ' online' : ''}`, 'data-user': u, title: online ? 'online' : 'offline' }, `${online ? '●' : '○'} ${u}`);
    }));
  }

  private refreshTicks() {
    for (const m of this.msgs.values()) {
      if (m.sender === this.me) this.els.get(m.id)?.querySelector('.tick')?.replaceWith(tickEl(this.tick(m)));
    }
  }

  close() {
    for (const t of this.typers.values()) clearTimeout(t);
  }
}
