// The message box: Enter sends, Shift+Enter is a new line, Escape cancels a reply; typing
// notifications are throttled to one per 2.5 s. The conversation's box is #composer; a thread
// panel has its own (#thread-composer), with extra controls below the row.
import type { Message } from '../../sdk/index.js';
import { clear, h } from './dom.js';

export interface ComposerOptions {
  id: string;
  label: string;
  /** Shown under the text box (the thread panel's "also send to conversation"). */
  extra?: Node;
}

export class Composer {
  readonly el: HTMLFormElement;
  readonly input: HTMLTextAreaElement;
  private replyBar = h('div', { class: 'reply-bar', hidden: true });
  private replyTo: Message | undefined;
  private lastTyping = 0;

  constructor(private send: (text: string, replyTo?: Message) => void, private typing: () => void, opts: ComposerOptions = { id: 'composer', label: 'Message' }) {
    this.input = h('textarea', { id: opts.id, rows: 1, placeholder: opts.label, 'aria-label': opts.label, maxlength: 4000 });
    this.input.addEventListener('keydown', (ev) => {
      if (ev.key === 'Enter' && !ev.shiftKey && !ev.isComposing) {
        ev.preventDefault();
        this.submit();
      } else if (ev.key === 'Escape') this.setReply(undefined);
    });
    this.input.addEventListener('input', () => {
      if (Date.now() - this.lastTyping > 2500 && this.input.value) {
        this.lastTyping = Date.now();
        this.typing();
      }
    });
    this.el = h('form', { class: 'composer', onsubmit: (ev: Event) => (ev.preventDefault(), this.submit()) },
      this.replyBar, h('div', { class: 'row' }, this.input, h('button', { type: 'submit', class: 'send' }, 'Send')), opts.extra);
  }

  setReply(m: Message | undefined) {
    this.replyTo = m;
    this.replyBar.hidden = !m;
    if (m) {
      clear(this.replyBar, h('span', {}, `Replying to ${m.sender}: ${(m.text ?? '').slice(0, 80)}`),
        h('button', { type: 'button', class: 'cancel-reply', 'aria-label': 'Cancel reply', onclick: () => this.setReply(undefined) }, '✕'));
      this.input.focus();
    }
  }

  private submit() {
    const text = this.input.value.trim();
    if (!text) return;
    this.send(text, this.replyTo);
    this.input.value = '';
    this.lastTyping = 0;
    this.setReply(undefined);
  }
}
