// The service worker (/sw.js, scope /): shows a notification for each Web Push the server sends
// (payload of docs/push.md: sender, text preview, conversation), and a click on it focuses the
// page (opening the conversation) or opens a new one at it. It fetches nothing and caches
// nothing: the page itself always comes from the server.
// Typed against the page's DOM lib (one tsconfig for the page): the few service-worker types it
// uses are declared here instead of pulling in lib.webworker, which conflicts with lib.dom.
export {};

interface ExtendableEvent extends Event {
  waitUntil(p: Promise<unknown>): void;
}
interface PushEvent extends ExtendableEvent {
  data: { json(): unknown; text(): string } | null;
}
interface NotificationEvent extends ExtendableEvent {
  notification: Notification;
}
interface WindowClient {
  url: string;
  focus(): Promise<WindowClient>;
  postMessage(message: unknown): void;
}
interface WorkerScope {
  registration: ServiceWorkerRegistration;
  location: Location;
  clients: { matchAll(o: { type: 'window'; includeUncontrolled: boolean }): Promise<WindowClient[]>; openWindow(url: string): Promise<WindowClient | null>; claim(): Promise<void> };
  skipWaiting(): Promise<void>;
  addEventListener(type: 'install' | 'activate', f: (ev: ExtendableEvent) => void): void;
  addEventListener(type: 'push', f: (ev: PushEvent) => void): void;
  addEventListener(type: 'notificationclick', f: (ev: NotificationEvent) => void): void;
}

/** The payload of a message push (src/push/push-fanout.ts payloadOf). */
interface MessagePush {
  type?: string;
  conversation_id?: string;
  message_id?: string;
  sender?: string;
  text?: string | null;
  mentioned?: boolean;
  attachments?: number;
}

const sw = self as unknown as WorkerScope;

sw.addEventListener('install', (ev) => ev.waitUntil(sw.skipWaiting()));
sw.addEventListener('activate', (ev) => ev.waitUntil(sw.clients.claim()));

/** Title and body of a notification from a push's payload (a payload that is not ours: shown as text). */
export function notificationOf(p: MessagePush | string): { title: string; body: string; tag?: string; data: { conversation_id?: string } } {
  if (typeof p === 'string') return { title: 'Strata', body: p.slice(0, 200), data: {} };
  const files = p.attachments ? `📎 ${p.attachments} file${p.attachments > 1 ? 's' : ''}` : '';
  return {
    title: p.sender ? `${p.sender}${p.mentioned ? ' mentioned you' : ''}` : 'Strata',
    body: p.text ?? (files || 'New message'),
    tag: p.message_id,
    data: { conversation_id: p.conversation_id },
  };
}

sw.addEventListener('push', (ev) => {
  let payload: MessagePush | string = 'New message';
  try {
    payload = (ev.data?.json() ?? 'New message') as MessagePush;
  } catch {
    payload = ev.data?.text() ?? 'New message'; // not JSON: its text as the body
  }
  const n = notificationOf(payload);
  ev.waitUntil(sw.registration.showNotification(n.title, { body: n.body, tag: n.tag, data: n.data }));
});

sw.addEventListener('notificationclick', (ev) => {
  ev.notification.close();
  const conv = (ev.notification.data as { conversation_id?: string } | null)?.conversation_id;
  const url = new URL(conv ? `/#conversation=${conv}` : '/', sw.location.origin).toString();
  ev.waitUntil((async () => {
    const open = await sw.clients.matchAll({ type: 'window', includeUncontrolled: true });
    const page = open.find((c) => new URL(c.url).origin === sw.location.origin);
    if (!page) return void (await sw.clients.openWindow(url));
    await page.focus();
    if (conv) page.postMessage({ type: 'open-conversation', conversation_id: conv });
  })());
});
