// The "Notifications" switch of the top bar (docs/push.md): on asks the browser's notification
// permission, registers the service worker (/sw.js), subscribes its push manager with the
// server's application key (GET /v1/push/vapid-public-key) and saves the subscription (POST
// /v1/push/subscriptions, the PushSubscription.toJSON() shape); off deletes it on the server
// and unsubscribes. It starts from what the browser holds: a subscription it has is saved
// again (the same endpoint replaces the server's copy). A browser without service workers or
// push, a permission refused, a server without push (UNAVAILABLE) or a push service that
// refuses the subscription: said beside the switch, and the switch stays off.
import type { StrataRest } from '../../sdk/index.js';
import { h } from './dom.js';
import { problemText } from './uploads.js';

/** base64url → the bytes pushManager.subscribe() takes as applicationServerKey. */
export function base64urlBytes(s: string): Uint8Array<ArrayBuffer> {
  const b64 = s.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (s.length % 4)) % 4);
  return Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
}

export class PushToggle {
  readonly el: HTMLElement;
  private button = h('button', { type: 'button', class: 'push-toggle', 'aria-pressed': 'false', disabled: true }, 'Notifications');
  private status = h('span', { class: 'push-status', role: 'status' });
  private busy = false;

  constructor(private rest: StrataRest) {
    this.el = h('span', { class: 'push' }, this.button, this.status);
    this.button.addEventListener('click', () => void this.toggle());
  }

  private get supported() {
    return 'serviceWorker' in navigator && 'PushManager' in window && 'Notification' in window;
  }

  /** Registers the worker and shows whether this browser is subscribed. */
  async start() {
    if (!this.supported) {
      this.say('This browser has no Web Push.');
      return;
    }
    try {
      const reg = await navigator.serviceWorker.register('/sw.js', { scope: '/' });
      const sub = await reg.pushManager.getSubscription();
      if (sub && Notification.permission === 'granted') {
        await this.save(sub); // the server may have dropped it (expired, another user signed out here)
        this.set(true);
      }
    } catch (e) {
      this.say(problemText(e));
    } finally {
      this.button.disabled = false;
    }
  }

  private set(on: boolean) {
    this.button.setAttribute('aria-pressed', String(on));
    this.button.textContent = on ? 'Notifications on' : 'Notifications';
    this.el.dataset.state = on ? 'on' : 'off';
  }

  private say(text: string) {
    this.status.textContent = text;
    this.status.title = text;
  }

  private async toggle() {
    if (this.busy) return;
    this.busy = true;
    this.button.disabled = true;
    this.say('');
    try {
      if (this.button.getAttribute('aria-pressed') === 'true') await this.off();
      else await this.on();
    } catch (e) {
      this.say(problemText(e));
    } finally {
      this.busy = false;
      this.button.disabled = false;
    }
  }

  private async on() {
    if (!this.supported) throw new Error('This browser has no Web Push.');
    const permission = await Notification.requestPermission();
    if (permission !== 'granted') throw new Error(`Notifications are ${permission === 'denied' ? 'blocked for this site' : 'not allowed'}: allow them in the browser's site settings.`);
    const { public_key } = await this.rest.request<{ public_key: string }>('GET', '/v1/push/vapid-public-key');
    const reg = await navigator.serviceWorker.register('/sw.js', { scope: '/' });
    await navigator.serviceWorker.ready;
    const old = await reg.pushManager.getSubscription();
    // a subscription made with another key (the server's pair changed) cannot be reused
    if (old && !sameKey(old, public_key)) await old.unsubscribe();
    const sub = await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: base64urlBytes(public_key) });
    try {
      await this.save(sub);
    } catch (e) {
      await sub.unsubscribe().catch(() => false); // the server has none: the browser keeps none either
      throw e;
    }
    this.set(true);
  }

  /** Deletes this browser's subscription on the server, then in the browser (best effort at sign-out). */
  async off() {
    const reg = this.supported ? await navigator.serviceWorker.getRegistration('/') : undefined;
    const sub = await reg?.pushManager.getSubscription();
    if (sub) {
      await this.rest.request('DELETE', '/v1/push/subscriptions', { endpoint: sub.endpoint });
      await sub.unsubscribe();
    }
    this.set(false);
  }

  private save(sub: PushSubscription) {
    const json = sub.toJSON();
    return this.rest.request('POST', '/v1/push/subscriptions', { endpoint: json.endpoint, keys: json.keys, expirationTime: json.expirationTime ?? null });
  }
}

function sameKey(sub: PushSubscription, publicKey: string): boolean {
  const key = sub.options.applicationServerKey;
  if (!key) return false;
  const a = new Uint8Array(key);
  const b = base64urlBytes(publicKey);
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
