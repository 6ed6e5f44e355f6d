// The pins of the open conversation, under its header: every pinned message, newest pin first
// (GET …/pins, then each `pin` change as it comes: the socket delivers them once, in cursor
// order, so applying each as "add" or "remove" ends where the server is). A pin of a message
// the page has not loaded shows as a placeholder until the view fetches it. Clicking one jumps
// to its message in the timeline.
import type { Message, Pin, PinChange } from '../../sdk/index.js';
import { clear, h } from './dom.js';

interface Entry {
  id: string;
  seq: number;
  message: Message | undefined;
  pinned_by: string;
  pinned_at: string;
}

export class PinsBar {
  readonly el = h('section', { class: 'pins', 'aria-label': 'Pinned messages', hidden: true });
  /** Newest pin first. */
  private entries: Entry[] = [];

  constructor(private jump: (m: { id: string; seq: number; thread_id: string | null; in_timeline: boolean }) => void) {}

  has(messageId: string): boolean {
    return this.entries.some((e) => e.id === messageId);
  }

  /** The list as GET …/pins answered it. */
  set(pins: Pin[]) {
    this.entries = pins.map((p) => ({ id: p.message.id, seq: p.message.seq, message: p.message, pinned_by: p.pinned_by, pinned_at: p.pinned_at }));
    this.render();
  }

  /** A `pin` change; `known`: the message, when the page has it. Returns whether the pinned message is still missing. */
  apply(c: PinChange, known: Message | undefined): boolean {
    const at = this.entries.findIndex((e) => e.id === c.message_id);
    if (!c.pinned) {
      if (at !== -1) this.entries.splice(at, 1);
      this.render();
      return false;
    }
    const entry: Entry = { id: c.message_id, seq: c.seq, message: known ?? this.entries[at]?.message, pinned_by: c.by, pinned_at: c.at };
    if (at !== -1) this.entries.splice(at, 1);
    this.entries.unshift(entry);
    this.render();
    return !entry.message;
  }

  /** A newer version of a message (an edit, a delete, or the one fetched for a placeholder). */
  update(m: Message) {
    const e = this.entries.find((x) => x.id === m.id);
    if (!e || (e.message && e.message.version > m.version)) return;
    e.message = m;
    this.render();
  }

  private render() {
    this.el.hidden = this.entries.length === 0;
    this.el.dataset.count = String(this.entries.length);
    clear(this.el, h('h3', {}, `📌 Pinned (${this.entries.length})`), h('ul', {}, ...this.entries.map((e) => {
      const m = e.message;
      const text = !m ? `message ${e.seq}` : m.deleted_at ? 'message deleted' : m.text ?? '';
      return h('li', {}, h('button', {
        type: 'button', class: 'pin-item', 'data-id': e.id, 'data-seq': e.seq, title: `Pinned by ${e.pinned_by}`,
        onclick: () => this.jump(m ?? { id: e.id, seq: e.seq, thread_id: null, in_timeline: true }),
      }, m ? h('span', { class: 'sender' }, m.sender) : null, m ? ': ' : null, h('span', { class: 'pin-text' }, text)));
    })));
  }
}
