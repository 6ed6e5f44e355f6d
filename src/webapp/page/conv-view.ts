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
// Going to a message (a search result, a pin): one on screen is scrolled to and flashed; a
// thread-only reply opens its thread; any other is opened by a new view "at" it, whose first
// page is the history window after seq − BEFORE (GET …/messages?after=). Such a view is
// detached from the live end while newer messages remain: they load by scrolling down ("Load
// newer messages", or all at once before a send), live messages past the window wait for them
// (a live reply still counts in its thread), and reply counts of roots come from GET
// …/threads, since their replies may lie past the window.
// Pins: the bar under the header (pins-bar.ts) from GET …/pins and each `pin` change; owners
// and admins (my role from the conversation, then `member` changes) get Pin / Unpin on messages.
// Attachments (uploads.ts): the composer uploads files as they are added (button, drop anywhere
// on the conversation, paste) and a send names them; messages show theirs on signed URLs.
// Moderation (docs/moderation.md): my mute, the kind and slow mode block the composers
// (send-gate.ts); owners and admins get the slow mode / announcement controls and a menu per
// member (conv-moderation.ts); others' messages have "Report" (report-dialog.ts). A send
// answered CONVERSATION_NOT_FOUND means I was banned or removed: the page drops the conversation.
import type { Member, MemberChange, Message, MuteChange, PinChange, RulesChange, SendOptions, Strata } from '../../sdk/index.js';
import { clear, focusUnlessTyping, h, newClientId } from './dom.js';
import { Composer, type Block } from './composer.js';
import { ConvModeration } from './conv-moderation.js';
import { ReportDialog } from './report-dialog.js';
import { SendGate } from './send-gate.js';
import { flash, inTimeline, renderMessage, threadOf, tickEl, type MessageCtx, type Tick } from './message-el.js';
import { mentionsIn } from './mentions.js';
import { PinsBar } from './pins-bar.js';
import { Receipts } from './receipts.js';
import { ThreadPanel, type ThreadHost } from './thread-panel.js';
import { AttachmentLinks, problemText, upload } from './uploads.js';
import { ConvSettings } from './conv-settings.js';

/** A message to go to: where it is, and whether only its thread shows it. */
export type Target = Pick<Message, 'id' | 'seq' | 'thread_id' | 'in_timeline'>;

export interface ViewCtx {
  me: string;
  client: Strata;
  presence: Map<string, boolean>;
  markedRead(conversationId: string, seq: number): void;
  back(): void;
  /** Opens this conversation again at a message the view has not loaded. */
  jump(t: Target): void;
  /** Opens this conversation again at its latest messages. */
  latest(): void;
  /** The server says I am no longer a member (banned or removed): the page drops the conversation. */
  gone(): void;
}

const PAGE = 50;
/** A view opened at a message starts this many messages before it. */
const BEFORE = 20;
/** Pages of 200 read at most to catch a detached view up to the live end before a send. */
const CATCH_UP_PAGES = 50;
/** A first page mostly of thread-only replies shows little: older pages are fetched until the timeline has this many (at most MORE_PAGES). */
const FEW = 20;
const MORE_PAGES = 5;
/** Pages of GET /v1/threads read for the unread counts (200 threads each). */
const THREAD_PAGES = 5;


/** The HTML a member row was built with (its open menu aside): an unchanged row is kept, not rebuilt. */
const rowHtml = new WeakMap<Element, string>();

export class ConversationView implements MessageCtx, ThreadHost {
  readonly el: HTMLElement;
  readonly me: string;
  readonly receipts: Receipts;
  private list = h('div', { class: 'messages', role: 'log', 'aria-label': 'Messages', tabindex: 0 });
  private top = h('div', { class: 'top' });
  private membersEl = h('span', { class: 'members' });
  private pinsBar: PinsBar;
  private status = h('p', { class: 'error conv-status', role: 'alert' });
  /** Under the last message of a detached view: "Load newer messages", "Jump to latest". */
  private bottom = h('div', { class: 'bottom' });
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
  /** Messages newer than the last shown exist that are not loaded (opened at an older message). */
  private hasNewer = false;
  private loadingNewer = false;
  private role: Member['role'] | undefined;
  /** The message gone to last (kept across re-renders as data-focused). */
  private focused: string | undefined;
  /** Reply counts from GET …/threads (a detached view), raised by live replies after them. */
  private serverThreads = new Map<string, { count: number; last: number }>();
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
  readonly links: AttachmentLinks;
  readonly settings: ConvSettings;
  readonly gate: SendGate;
  private mod: ConvModeration;
  private reportDialog: ReportDialog;
  /** What moderation leaves of the composers now (applied to a thread panel's box as it opens). */
  private block: Block = null;

  /** `target`: open at this message instead of the latest ones. */
  constructor(private ctx: ViewCtx, readonly id: string, title: string, private target?: Target) {
    this.me = ctx.me;
    this.receipts = new Receipts(ctx.client.rest, ctx.me, () => this.refreshTicks());
    this.links = new AttachmentLinks(ctx.client);
    this.composer = new Composer((text, replyTo, files) => this.send(text, replyTo, files), () => ctx.client.socket.typing(id), {
      id: 'composer', label: 'Message', upload: (file, progress) => upload(ctx.client, id, file, progress),
    });
    this.pinsBar = new PinsBar((t) => this.goToOrJump(t));
    this.list.addEventListener('scroll', () => {
      if (this.list.scrollTop < 200) void this.loadOlder();
      if (this.hasNewer && this.list.scrollHeight - this.list.scrollTop - this.list.clientHeight < 200) void this.loadNewer().catch(() => {});
    });
    this.titleEl = h('h2', {}, title);
    this.settings = new ConvSettings(ctx.client.rest, id, (text) => (this.status.textContent = text));
    this.gate = new SendGate((b) => {
      this.block = b;
      this.composer.setBlocked(b);
      this.panel?.composer.setBlocked(b);
    });
    this.mod = new ConvModeration(ctx.client.rest, id, ctx.me, (text) => (this.status.textContent = text), () => this.renderPresence());
    this.reportDialog = new ReportDialog(ctx.client.rest);
    this.el = h('section', { class: 'conversation', 'aria-label': `Conversation ${title}`, 'data-id': id },
      h('header', { class: 'conv-header' }, h('button', { type: 'button', class: 'back', 'aria-label': 'Back to conversations', onclick: () => ctx.back() }, '←'),
        this.titleEl, this.membersEl, this.gate.label, this.settings.el, this.mod.el),
      this.pinsBar.el,
      this.body, this.reportDialog.el);
    const main = h('div', { class: 'conv-main' }, this.list, this.typingEl, this.status, this.composer.el);
    this.composer.acceptDrops(main);
    this.body.append(main);
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
    const focusedAtStart = document.activeElement;
    const rest = this.ctx.client.rest;
    void this.settings.load(); // beside the messages, never holding them up
    const t = this.target;
    const around = t && inTimeline(t) ? t.seq : undefined;
    const [conv, page, pins] = await Promise.all([
      rest.getConversation(this.id),
      rest.history(this.id, around === undefined ? { limit: PAGE } : { after: Math.max(0, around - BEFORE), limit: PAGE }),
      rest.pins(this.id).catch(() => undefined), // best effort: the bar then shows the pins changed from now on
      this.loadThreads(),
      around === undefined ? undefined : this.loadThreadCounts(),
    ]);
    this.members = conv.members.map((m) => m.user);
    this.role = conv.members.find((m) => m.user === this.me)?.role;
    this.mod.set(conv);
    this.gate.setRole(this.role);
    this.gate.setRules(conv.kind, conv.slow_mode_s ?? 0);
    this.receipts.setMembers(this.members);
    this.renderPresence();
    if (pins) this.pinsBar.set(pins.pins);
    this.list.append(this.top);
    for (const m of page.messages) this.note(m);
    for (const m of page.messages) this.append(m);
    this.loaded = true;
    this.firstSeq = page.messages[0]?.seq ?? 0;
    if (around === undefined) this.setHasMore(page.has_more);
    else {
      this.setHasMore(this.firstSeq > 1);
      this.setHasNewer(page.has_more && page.messages.length > 0);
    }
    if (t && around !== undefined) this.goTo(t);
    else this.list.scrollTop = this.list.scrollHeight;
    await this.receipts.load([...this.msgs.values()]);
    this.markRead();
    if (t && around === undefined) this.goTo(t); // a thread-only reply: its thread's panel
    else if (!t) focusUnlessTyping(this.composer.input, focusedAtStart);
    this.el.dataset.loaded = ''; // its first page is shown (and the keyboard placed)
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

  /** Reply counts of the conversation's most recently active threads (a detached view's roots may have replies past its window). */
  private async loadThreadCounts() {
    const list = await this.ctx.client.rest.listThreads(this.id, { limit: 200 }).catch(() => undefined);
    for (const t of list?.threads ?? []) this.serverThreads.set(t.root_id, { count: t.reply_count, last: t.last_reply_seq });
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

  private setHasNewer(more: boolean) {
    this.hasNewer = more;
    this.el.toggleAttribute('data-detached', more);
    if (!more) return void this.bottom.remove();
    clear(this.bottom,
      h('button', { type: 'button', class: 'newer', onclick: () => void this.loadNewer().catch(() => {}) }, 'Load newer messages'),
      h('button', { type: 'button', class: 'latest', onclick: () => this.ctx.latest() }, 'Jump to latest'));
    if (this.bottom.isConnected) return;
    const pending = this.list.querySelector('.msg.pending'); // after the messages shown, before sends in flight
    if (pending) pending.before(this.bottom);
    else this.list.append(this.bottom);
  }

  /** The next page of newer messages of a detached view (in turn with live messages). */
  loadNewer(): Promise<void> {
    if (this.loadingNewer || !this.hasNewer) return Promise.resolve();
    this.loadingNewer = true;
    const done = this.chain.then(() => this.newerPage(PAGE)).finally(() => {
      this.loadingNewer = false;
    });
    this.chain = done.catch(() => {});
    return done;
  }

  /** A detached view reads everything up to the live end (before a send, which goes there). */
  private catchUp() {
    this.chain = this.chain.then(async () => {
      for (let i = 0; this.hasNewer && i < CATCH_UP_PAGES; i++) await this.newerPage(200);
    }).catch(() => {});
  }

  private async newerPage(limit: number) {
    if (!this.hasNewer) return;
    const page = await this.ctx.client.rest.history(this.id, { after: this.lastSeq, limit });
    const roots = new Set<string>();
    for (const m of page.messages) {
      if (m.seq <= this.lastSeq) continue;
      this.lastSeq = m.seq;
      this.note(m); // not new: the server's unread counts held it, or it was counted live
      const root = threadOf(m);
      if (root !== null) roots.add(root);
      if (!inTimeline(m) || this.els.get(m.id)?.isConnected) continue;
      const placeholder = m.client_id ? this.pending.get(m.client_id) : undefined;
      if (placeholder) {
        this.pending.delete(m.client_id!);
        placeholder.remove();
      }
      this.bottom.before(this.render(m));
    }
    for (const r of roots) this.rerender(r);
    this.setHasNewer(page.has_more && page.messages.length > 0);
    this.markRead();
  }

  /** A live message past a detached view's window: shown once the pages before it are; a reply counts in its thread now. */
  private ahead(m: Message) {
    this.note(m);
    const root = threadOf(m);
    if (root !== null) this.onReply(root, m);
  }

  /** A live or acked message; anything beyond lastSeq + 1 waits for the gap to be fetched. */
  onMessage(m: Message) {
    this.chain = this.chain.then(async () => {
      if (this.msgs.has(m.id)) return this.onUpdate(m);
      if (m.seq <= this.lastSeq) return;
      if (this.hasNewer) return this.ahead(m);
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
    this.pinsBar.update(m);
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
    const known = this.msgs.get(m.id);
    if (known && known.version > m.version) m = known; // noted at a newer version (an edit consumed by note())
    this.msgs.set(m.id, m);
    const el = renderMessage(m, this);
    if (m.id === this.focused) el.dataset.focused = '';
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
    const counted = this.serverThreads.get(root);
    if (counted && m.seq > counted.last) {
      counted.count++;
      counted.last = m.seq;
    }
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

  private send(text: string, replyTo: Message | undefined, attachments: string[]) {
    if (this.hasNewer) this.catchUp(); // the message goes at the live end: show what comes before it
    const client_id = newClientId();
    const el = h('article', { class: 'msg mine pending', 'data-client-id': client_id },
      h('header', {}, h('span', { class: 'sender' }, this.me), tickEl('pending')), h('div', { class: 'text' }, text),
      attachments.length ? h('p', { class: 'pending-files' }, `📎 ${attachments.length} file${attachments.length > 1 ? 's' : ''}`) : null);
    this.pending.set(client_id, el);
    this.list.append(el);
    this.list.scrollTop = this.list.scrollHeight;
    this.post(text, { client_id, ...(replyTo ? { reply_to: replyTo.id } : {}), ...(attachments.length ? { attachments } : {}) }).catch((e: unknown) => {
      if ((e as { code?: string }).code === 'CONVERSATION_NOT_FOUND') return this.ctx.gone(); // banned or removed meanwhile
      el.classList.add('failed');
      el.querySelector('.tick')?.replaceWith(tickEl('failed'));
      el.title = problemText(e);
      this.status.textContent = `Not sent: ${problemText(e)}`;
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
      this.gate.sent(m);
      return m;
    }, (e: unknown) => {
      this.gate.refused(e); // MUTED, SLOW_MODE, ANNOUNCEMENT_ONLY: the box says so
      throw e;
    });
  };

  // threads

  thread = (m: Message) => ({
    replies: Math.max(this.threadReplies.get(m.id)?.size ?? 0, this.serverThreads.get(m.id)?.count ?? 0),
    unread: this.threadUnread.get(m.id) ?? 0,
  });

  /** Opens a thread's panel; `focus`: a reply to show there. */
  openThread = (rootId: string, focus?: Target) => {
    if (this.panel?.rootId === rootId) {
      if (focus) void this.panel.reveal(focus);
      return this.panel.focus();
    }
    this.panel?.close();
    const panel = new ThreadPanel(this, rootId);
    this.panel = panel;
    this.body.append(panel.el);
    panel.composer.setBlocked(this.block);
    this.el.classList.add('threaded');
    void panel.load().then(() => (focus ? panel.reveal(focus) : undefined));
  };

  // going to a message

  /** Shows a message this view holds (a thread-only reply in its thread's panel); false: not loaded here. */
  goTo(t: Target): boolean {
    const root = threadOf(t);
    if (root !== null && !inTimeline(t)) {
      if (this.els.get(root)?.isConnected) this.reveal(root, false);
      this.openThread(root, t);
      return true;
    }
    if (!this.els.get(t.id)?.isConnected) return false;
    this.reveal(t.id);
    return true;
  }

  private goToOrJump(t: Target) {
    if (!this.goTo(t)) this.ctx.jump(t);
  }

  /** Scrolls a shown message into the middle and marks it (data-focused), flashing it. */
  private reveal(id: string, highlight = true) {
    const el = this.els.get(id);
    if (!el) return;
    if (highlight) {
      for (const old of this.list.querySelectorAll('[data-focused]')) old.removeAttribute('data-focused');
      this.focused = id;
      el.dataset.focused = '';
      flash(el);
      el.focus({ preventScroll: true });
    }
    el.scrollIntoView({ block: 'center' });
  }

  // pins

  /** A `pin` change of this conversation, in turn with its messages. */
  onPin(c: PinChange) {
    this.chain = this.chain.then(() => {
      const missing = this.pinsBar.apply(c, this.msgs.get(c.message_id));
      this.rerender(c.message_id);
      if (!missing) return;
      // a message the page has not loaded: fetched for the bar (its placeholder until then)
      void this.ctx.client.rest.history(this.id, { after: c.seq - 1, limit: 1 }).then((p) => {
        const m = p.messages.find((x) => x.id === c.message_id);
        if (m) this.pinsBar.update(m);
      }, () => {});
    }).catch(() => {});
  }

  pin = (m: Message) => ({ pinned: this.pinsBar.has(m.id), canPin: this.role === 'owner' || this.role === 'admin' });

  /** Pins or unpins; the bar and the message change when the `pin` change comes (to every member alike). */
  togglePin = (m: Message) => {
    const rest = this.ctx.client.rest;
    this.status.textContent = '';
    (this.pinsBar.has(m.id) ? rest.unpin(m.id) : rest.pin(m.id)).catch((e: Error) => {
      this.status.textContent = e.message;
    });
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
  report = (m: Message) => this.reportDialog.open(m);
  edit = async (m: Message, text: string) => this.onUpdate(await this.ctx.client.rest.edit(m.id, text, { mentions: mentionsIn(text, this.members) }));
  remove = async (m: Message) => this.onUpdate(await this.ctx.client.rest.delete(m.id));

  toggleReaction(m: Message, reaction: string) {
    const had = this.reactions(m.id).get(reaction)?.has(this.me) ?? false;
    this.setReaction(m.id, this.me, reaction, !had);
    const rest = this.ctx.client.rest;
    (had ? rest.unreact(m.id, reaction) : rest.react(m.id, reaction)).catch((e: unknown) => {
      this.setReaction(m.id, this.me, reaction, had);
      this.gate.refused(e);
      this.status.textContent = `Reaction not saved: ${problemText(e)}`;
    });
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

  /** A `member` change: someone was added, removed, banned or re-roled. */
  onMember(c: MemberChange) {
    if (c.user === this.me && c.role !== null && c.role !== this.role) {
      this.role = c.role; // Pin / Unpin come or go
      this.gate.setRole(c.role);
      for (const id of [...this.els.keys()]) this.rerender(id);
    }
    this.mod.onMember(c);
    if (c.change === 'added' && !this.members.includes(c.user)) this.members.push(c.user);
    if (c.change === 'removed' || c.change === 'banned') this.members = this.members.filter((u) => u !== c.user);
    this.receipts.setMembers(this.members);
    this.renderPresence();
    this.refreshTicks();
  }

  /** A `mute` change: mine blocks the composers until it ends; others' show in the member list. */
  onMute(c: MuteChange) {
    this.mod.onMute(c);
    if (c.user === this.me) this.gate.setMute(c.until);
  }

  /** A `rules` change: kind and slow mode. */
  onRules(c: RulesChange) {
    this.mod.onRules(c);
    this.gate.setRules(c.kind, c.slow_mode_s);
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

  /**
   * The member list. A row whose content did not change is kept as it is (not rebuilt): a
   * presence frame arriving between the mouse-down and mouse-up of a click on a member's menu
   * must not swallow the click (seen in Chromium under load) nor close an open menu.
   */
  renderPresence() {
    const old = new Map([...this.membersEl.querySelectorAll<HTMLElement>(':scope > .member')].map((el) => [el.getAttribute('data-user'), el]));
    const rows = this.members.filter((u) => u !== this.me).map((u) => {
      const online = this.ctx.presence.get(u) === true;
      const muted = this.mod.isMuted(u);
      const fresh = h('span', { class: `member${online ? ' online' : ''}`, 'data-user': u, 'data-muted': muted ? 'true' : null, title: online ? 'online' : 'offline' },
        `${online ? '●' : '○'} ${u}`, muted ? h('span', { class: 'muted-mark', title: 'muted', 'aria-label': 'muted' }, ' 🔇') : null, this.mod.menu(u));
      const html = fresh.outerHTML;
      const prev = old.get(u);
      if (prev && rowHtml.get(prev) === html) return prev;
      rowHtml.set(fresh, html);
      const wasOpen = prev?.querySelector('details.member-menu')?.hasAttribute('open');
      if (wasOpen) fresh.querySelector('details.member-menu')?.setAttribute('open', ''); // a change of the row does not close a menu in use
      return fresh;
    });
    const same = rows.length === this.membersEl.children.length && rows.every((r, i) => this.membersEl.children[i] === r);
    if (!same) clear(this.membersEl, ...rows);
  }

  private refreshTicks() {
    for (const m of this.msgs.values()) {
      if (m.sender === this.me) this.els.get(m.id)?.querySelector('.tick')?.replaceWith(tickEl(this.tick(m)));
    }
  }

  close() {
    this.gate.close();
    for (const t of this.typers.values()) clearTimeout(t);
    this.panel?.close();
  }
}
