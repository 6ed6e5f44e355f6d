// My notification settings of the open conversation, in its header (docs/push.md): "Mute" and
// "Notify: all | mentions | none", read with GET …/settings and changed with PUT …/settings
// (mine alone; my other pages learn it from the `settings` frame). A refused change is said
// in the conversation's status line and the control goes back to the server's value.
import type { StrataRest } from '../../sdk/index.js';
import { h } from './dom.js';
import { problemText } from './uploads.js';

export interface NotifySettings {
  muted: boolean;
  notify: 'all' | 'mentions' | 'none';
}

export class ConvSettings {
  readonly el: HTMLElement;
  private mute = h('input', { type: 'checkbox', class: 'mute', id: 'conv-mute' });
  private notify = h('select', { class: 'notify', id: 'conv-notify', 'aria-label': 'Notify me of' },
    h('option', { value: 'all' }, 'all messages'), h('option', { value: 'mentions' }, 'mentions'), h('option', { value: 'none' }, 'nothing'));
  private current: NotifySettings = { muted: false, notify: 'all' };

  constructor(private rest: StrataRest, private id: string, private problem: (text: string) => void) {
    this.el = h('span', { class: 'conv-settings', 'data-loaded': 'false' },
      h('label', { for: 'conv-mute', class: 'mute-label' }, this.mute, ' Mute'),
      h('label', { for: 'conv-notify', class: 'notify-label' }, 'Notify: '), this.notify);
    this.mute.disabled = this.notify.disabled = true;
    this.mute.addEventListener('change', () => void this.put({ muted: this.mute.checked }));
    this.notify.addEventListener('change', () => void this.put({ notify: this.notify.value as NotifySettings['notify'] }));
  }

  /** Best effort: without an answer the controls stay disabled. */
  async load() {
    const s = await this.rest.request<NotifySettings>('GET', `/v1/conversations/${this.id}/settings`).catch(() => undefined);
    if (!s) return;
    this.show(s);
    this.mute.disabled = this.notify.disabled = false;
    this.el.dataset.loaded = 'true';
  }

  /** A `settings` frame of this conversation (changed on another page of mine). */
  show(s: Partial<NotifySettings>) {
    this.current = { ...this.current, ...s };
    this.mute.checked = this.current.muted;
    this.notify.value = this.current.notify;
    this.el.dataset.muted = String(this.current.muted);
  }

  private async put(change: Partial<NotifySettings>) {
    this.el.setAttribute('aria-busy', 'true');
    try {
      this.show(await this.rest.request<NotifySettings>('PUT', `/v1/conversations/${this.id}/settings`, change));
    } catch (e) {
      this.show(this.current); // back to what the server holds
      this.problem(`Settings not saved: ${problemText(e)}`);
    } finally {
      this.el.removeAttribute('aria-busy');
    }
  }
}
