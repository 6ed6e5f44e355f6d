// The open conversation: history paged lazily backwards (REST, whichever tier answers), live
// messages in seq order (a gap is filled from REST before anything after it is shown), the
// other changes of the change log (edits, deletes, reactions, members, title) applied in
// place, receipts as per-member watermarks, typing and presence, and the composer.
// Threads: every message of the conversation comes in here in seq order, thread replies
// included (they keep the one gap-free seq); the main timeline shows only those with
// in_timeline, a root shows "N replies" and opens its thread in a panel (thread-panel.ts).
// Reply counts are counted from the messages seen: history is loaded contiguously from the
// newest message back, so once a root is shown every reply to it (all newer) has been seen.
// My unread count per thread starts from GET /v1/threads and grows with live replies of others.
import type { MemberChange, Message, SendOptions, Strata } from '../../sdk/index.js';
import { clear, h, newClientId } from './dom.js';
import { Composer } from './composer.js';
import { inTimeline, renderMessage, threadOf, tickEl, type MessageCtx, type Tick } from './message-el.js';
import { mentionsIn } from './mentions.js';
import { Receipts } from './receipts.js';
import { ThreadPanel, type ThreadHost } from './thread-panel.js';

export interface ViewCtx {
  me: string;
  client: Strata;
  presence: Map<string, boolean>;
  markedRead(conversationId: string, seq: number): void;
  back(): void;
}

const PAGE = 50;
/** A first page mostly of thread-only replies shows little: older pages are fetched until the timeline has this many (at most MORE_PAGES). */
const FEW = 20;
const MORE_PAGES = 5;
/** Pages of GET /v1/threads read for the unread counts (200 threads each). */
const THREAD_PAGES = 5;

export class ConversationView implements MessageCtx, ThreadHost {
  readonly el: HTMLElement;
  readonly me: string;
  readonly receipts: Receipts;
  private list = h('div', { class: 'messages', role: 'log', 'aria-label': 'Messages', tabindex: 0 });
  private top = h('div', { class: 'top' });
  private membersEl = h('span', { class: 'members' });
  private titleEl: HTMLElement;
  private typingEl = h('div', { class: 'typing', 'aria-live': 'polite' });
  private composer: Composer;
  private body = h('div', { class: 'conv-body' });
  private panel: ThreadPanel | undefined;
  /** Every message seen (thread-only replies too), at its newest version. */
  private msgs = new Map<string, Message>();
  /** Timeline elements by message id. */
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
  /** The replies seen of each thread, by root id. */
  private threadReplies = new Map<string, Set<string>>();
  /** My unread count in each thread (GET /v1/threads, then live replies of others). */
  private threadUnread = new Map<string, number>();
  /** Roots of the threads that are mine (started or replied in): others' replies in them are unread until seen. */
  private myThreads = new Set<string>();
  /** The first page is in: replies from now on are new (the server's unread counts held the earlier ones). */
  private loaded = false;

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
      this.body);
    this.body.append(h('div', { class: 'conv-main' }, this.list, this.typingEl, this.composer.el));
  }

  get rest() {
    return this.ctx.client.rest;
  }

  /** The first page, members and thread counts; live messages wait for it (they run on the same chain). */
  load(): Promise<void> {
    const done = this.chain.then(() => this.loadFirst());
    this.chain = done.catch(() => {});
    return done;
  }

  private async loadFirst() {
    const rest = this.ctx.client.rest;
    const [conv, page] = await Promise.all([rest.getConversation(this.id), rest.history(this.id, { limit: PAGE }), this.loadThreads()]);
    this.members = conv.members.map((m) => m.user);
    this.receipts.setMembers(this.members);
    this.renderPresence();
    this.list.append(this.top);
    for (const m of page.messages) this.note(m);
    for (const m of page.messages) this.append(m);
    this.loaded = true;
    this.firstSeq = page.messages[0]?.seq ?? 0;
    this.setHasMore(page.has_more);
    this.list.scrollTop = this.list.scrollHeight;
    await this.receipts.load([...this.msgs.values()]);
    this.markRead();
    this.composer.input.focus();
    for (let i = 0; i < MORE_PAGES && this.hasMore && this.els.size < FEW; i++) {
      if (!(await this.loadOlder().then(() => true, () => false))) break; // offline: scrolling up asks again
    }
  }

  /** My threads of this conversation and my unread count in each (best effort: counts only). */
  private async loadThreads() {
    let cursor: string | undefined;
    for (let i = 0; i < THREAD_PAGES; i++) {
      const page = await this.ctx.client.rest.myThreads({ cursor, limit: 200 }).catch(() => undefined);
      if (!page) return;
      for (const t of page.threads) {
        if (t.conversation_id !== this.id) continue;
        this.myThreads.add(t.root_id);
        this.threadUnread.set(t.root_id, t.unread);
      }
      if (!page.next_cursor) return;
      cursor = page.next_cursor;
    }
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
      for (const m of page.messages) this.note(m); // replies first: a root on this page shows its count
      for (const m of page.messages) if (inTimeline(m)) frag.append(this.render(m));
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
    this.panel?.update(m);
    if (this.msgs.has(m.id) && !inTimeline(m)) return void this.msgs.set(m.id, m); // a thread-only reply: shown in its panel only
    const el = this.els.get(m.id);
    if (!el) return void this.early.set(m.id, m);
    this.msgs.set(m.id, m);
    const next = this.render(m);
    el.replaceWith(next);
  }

  /** The newest version known of a message (an edit may have come before it). */
  private newest(m: Message): Message {
    const early = this.early.get(m.id);
    if (!early) return m;
    this.early.delete(m.id);
    return early.version > m.version ? early : m;
  }

  private render(m: Message): HTMLElement {
    m = this.newest(m);
    this.msgs.set(m.id, m);
    const el = renderMessage(m, this);
    this.els.set(m.id, el);
    return el;
  }

  /** Remembers a message; a reply is counted in its thread (once), and makes the thread mine when I sent it. */
  private note(m: Message) {
    m = this.newest(m);
    if (!this.msgs.has(m.id) || this.msgs.get(m.id)!.version < m.version) this.msgs.set(m.id, m);
    const root = threadOf(m);
    if (root === null) return;
    let replies = this.threadReplies.get(root);
    if (!replies) this.threadReplies.set(root, (replies = new Set()));
    replies.add(m.id);
    if (m.sender === this.me) this.myThreads.add(root);
  }

  /** Re-renders a shown message (its thread count or unread badge changed). */
  private rerender(id: string) {
    const m = this.msgs.get(id);
    const el = this.els.get(id);
    if (m && el?.isConnected) el.replaceWith(this.render(m));
  }

  /** A new reply, in seq order: the root's count, my unread count in the thread, the open panel. */
  private onReply(root: string, m: Message) {
    if (this.panel?.rootId === root) this.panel.add(m); // it marks the thread read itself
    else if (m.sender !== this.me && (this.myThreads.has(root) || this.msgs.get(root)?.sender === this.me)) {
      this.threadUnread.set(root, (this.threadUnread.get(root) ?? 0) + 1);
    }
    this.rerender(root);
  }

  private append(m: Message) {
    // A live frame can overtake the first history page: never show a message twice.
    if (this.els.get(m.id)?.isConnected || (this.msgs.has(m.id) && !inTimeline(m) && m.seq <= this.lastSeq)) return this.onUpdate(m);
    const fresh = m.seq > this.lastSeq;
    if (!this.firstSeq) this.firstSeq = m.seq;
    this.lastSeq = Math.max(this.lastSeq, m.seq);
    this.note(m);
    const root = threadOf(m);
    if (root !== null && fresh && this.loaded) this.onReply(root, m);
    if (!inTimeline(m)) return;
    const list = this.list;
    const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 120;
    const placeholder = m.client_id ? this.pending.get(m.client_id) : undefined;
    const el = this.render(m);
    if (placeholder) {
      this.pending.delete(m.client_id!);
      placeholder.remove();
    }
    list.append(el);
    if (atBottom || m.sender === this.me) list.scrollTop = list.scrollHeight;
  }

  private send(text: string, replyTo?: Message) {
    const client_id = newClientId();
    const el = h('article', { class: 'msg mine pending', 'data-client-id': client_id },
      h('header', {}, h('span', { class: 'sender' }, this.me), tickEl('pending')), h('div', { class: 'text' }, text));
    this.pending.set(client_id, el);
    this.list.append(el);
    this.list.scrollTop = this.list.scrollHeight;
    this.post(text, { client_id, ...(replyTo ? { reply_to: replyTo.id } : {}) }).catch((e: Error) => {
      el.classList.add('failed');
      el.querySelector('.tick')?.replaceWith(tickEl('failed'));
      el.title = e.message;
    });
  }

  /** Sends over the socket (REST when it is closed), with the members the text mentions
   *  (mentions.ts); the acked message comes in like a live one. */
  post = (text: string, opts: SendOptions): Promise<Message> => {
    const { socket, rest } = this.ctx.client;
    const mentions = mentionsIn(text, this.members);
    const full: SendOptions = { ...opts, ...(mentions.length ? { mentions } : {}) };
    const sent = socket.state === 'closed' ? rest.send(this.id, text, full) : socket.send(this.id, text, full);
    return sent.then((m) => {
      this.onMessage(m);
      return m;
    });
  };

  // threads

  thread = (m: Message) => ({ replies: this.threadReplies.get(m.id)?.size ?? 0, unread: this.threadUnread.get(m.id) ?? 0 });

  openThread = (rootId: string) => {
    if (this.panel?.rootId === rootId) return this.panel.focus();
    this.panel?.close();
    const panel = new ThreadPanel(this, rootId);
    this.panel = panel;
    this.body.append(panel.el);
    this.el.classList.add('threaded');
    void panel.load();
  };

  closeThread = () => {
    this.panel?.close();
    this.panel = undefined;
    this.el.classList.remove('threaded');
    this.composer.input.focus();
  };

  threadRead = (rootId: string) => {
    if (!this.threadUnread.get(rootId)) return;
    this.threadUnread.set(rootId, 0);
    this.rerender(rootId);
  };

  markRead() {
    this.panel?.markRead();
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
  edit = async (m: Message, text: string) => this.onUpdate(await this.ctx.client.rest.edit(m.id, text, { mentions: mentionsIn(text, this.members) }));
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
    this.panel?.close();
  }
}
