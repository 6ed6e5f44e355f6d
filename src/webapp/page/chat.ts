// The signed-in page: conversation list (unread counts, create), the open conversation, and
// the one SDK socket whose events feed both. The socket resumes every listed conversation
// from its last seq after a reconnect, so nothing shown is ever missing or doubled.
import { Strata, type ConversationSummary, type Message } from '../../sdk/index.js';
import { clear, h, tokenUser } from './dom.js';
import { ConversationView } from './conv-view.js';
import { ConversationList } from './conv-list.js';

export class ChatApp {
  readonly me: string;
  readonly client: Strata;
  readonly presence = new Map<string, boolean>();
  private list: ConversationList;
  private view: ConversationView | undefined;
  private pane = h('div', { class: 'pane' }, h('p', { class: 'empty' }, 'Pick a conversation, or start one.'));
  private state = h('span', { class: 'conn', 'data-state': 'idle', role: 'status' }, 'offline');

  constructor(private root: HTMLElement, token: string, private signOut: () => void) {
    this.me = tokenUser(token) ?? '?';
    this.client = new Strata({ baseUrl: location.origin, token });
    this.list = new ConversationList(this.me, this.client.rest, (c) => void this.open(c));
  }

  async start() {
    const conversations = await this.client.rest.listConversations(); // a bad token fails here
    clear(this.root, h('div', { class: 'layout' },
      h('header', { class: 'top-bar' }, h('h1', {}, 'Strata'), h('span', { class: 'me', 'data-user': this.me }, this.me), this.state,
        h('button', { type: 'button', class: 'sign-out', onclick: () => this.signOut() }, 'Sign out')),
      this.list.el, this.pane));
    this.list.set(conversations);
    const s = this.client.socket;
    for (const c of conversations) s.track(c.id, c.last_seq);
    s.on('state', (st: string) => {
      this.state.dataset.state = st;
      this.state.textContent = st === 'open' ? 'online' : st;
      if (st === 'open') void this.refresh(); // catch up on conversations created while away
    });
    s.on('message', (m: Message) => this.onMessage(m));
    s.on('edit', (f: { message: Message }) => this.forView(f.message.conversation_id)?.onUpdate(f.message));
    s.on('delete', (f: { message: Message }) => this.forView(f.message.conversation_id)?.onUpdate(f.message));
    s.on('typing', (f: { conversation_id: string; user: string }) => this.forView(f.conversation_id)?.onTyping(f.user));
    s.on('receipt', (f: { conversation_id: string; user?: string; delivered_seq?: number; read_seq?: number }) => this.forView(f.conversation_id)?.receipts.onFrame(f));
    s.on('reaction', (f: { conversation_id?: string; message_id: string; user: string; reaction: string; removed?: boolean; remove?: boolean }) => {
      const v = f.conversation_id ? this.forView(f.conversation_id) : this.view;
      v?.setReaction(f.message_id, f.user, f.reaction, !(f.removed ?? f.remove));
    });
    s.on('presence', (f: { user: string; online: boolean }) => {
      this.presence.set(f.user, f.online);
      this.view?.renderPresence();
    });
    document.addEventListener('visibilitychange', () => this.view?.markRead());
    void s.connect();
  }

  private forView(conversationId: string) {
    return this.view?.id === conversationId ? this.view : undefined;
  }

  private onMessage(m: Message) {
    const known = this.list.onMessage(m, this.view?.id === m.conversation_id);
    if (!known) void this.refresh();
    this.forView(m.conversation_id)?.onMessage(m);
  }

  private async refresh() {
    const conversations = await this.client.rest.listConversations().catch(() => undefined);
    if (!conversations) return; // offline: the next reconnect refreshes
    for (const c of conversations) this.client.socket.track(c.id, c.last_seq);
    this.list.set(conversations, this.view?.id);
  }

  async open(c: ConversationSummary) {
    this.view?.close();
    const view = new ConversationView({
      me: this.me, client: this.client, presence: this.presence,
      markedRead: (id, seq) => this.list.markedRead(id, seq),
      back: () => this.closeView(),
    }, c.id, this.list.title(c));
    this.view = view;
    this.list.setOpen(c.id);
    clear(this.pane, view.el);
    this.root.querySelector('.layout')?.classList.add('open');
    try {
      await view.load();
    } catch (e) {
      this.pane.append(h('p', { class: 'error', role: 'alert' }, (e as Error).message));
    }
  }

  private closeView() {
    this.view?.close();
    this.view = undefined;
    this.list.setOpen(undefined);
    this.root.querySelector('.layout')?.classList.remove('open');
    clear(this.pane, h('p', { class: 'empty' }, 'Pick a conversation, or start one.'));
    this.list.focus();
  }

  close() {
    this.view?.close();
    this.client.close();
  }
}
