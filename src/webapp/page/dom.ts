// A tiny DOM builder: h('button', {class: 'x', onclick}, 'text', child). Text is always set as
// text (never innerHTML), so message content cannot inject markup.
type Attrs = Record<string, string | number | boolean | null | undefined | EventListener>;
type Child = Node | string | null | undefined | false;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'value' && 'value' in el) (el as HTMLInputElement).value = String(v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children) if (c !== null && c !== undefined && c !== false) el.append(c);
  return el;
}

export function clear(el: Element, ...children: Child[]) {
  el.replaceChildren(...children.filter((c): c is Node | string => c !== null && c !== undefined && c !== false));
}

/** Whether the element takes typed text (a text-like input, a textarea, an editable element). */
function takesText(a: Element | null): boolean {
  if (a instanceof HTMLTextAreaElement) return true;
  if (a instanceof HTMLInputElement) return ['text', 'search', 'email', 'url', 'tel', 'password', 'number'].includes(a.type);
  return a instanceof HTMLElement && a.isContentEditable;
}

/**
 * Gives `el` the keyboard unless the user went on typing in another field since `since` (what
 * had focus when the work began): a load that ends later (a conversation's first page) must not
 * take the search box away mid-query, yet still leaves the form that opened it (new conversation).
 */
export function focusUnlessTyping(el: HTMLElement, since: Element | null) {
  const a = document.activeElement;
  if (a === el || a === since || !takesText(a)) el.focus();
}

export function time(iso: string): string {
  const d = new Date(iso);
  const sameDay = d.toDateString() === new Date().toDateString();
  return sameDay ? d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }) : d.toLocaleString([], { dateStyle: 'short', timeStyle: 'short' });
}

/** The claims of a JWT, read without verifying (the server verifies; this is for display). */
function claims(token: string): { sub?: unknown; admin?: unknown } | null {
  try {
    const part = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    const json = new TextDecoder().decode(Uint8Array.from(atob(part), (c) => c.charCodeAt(0)));
    return JSON.parse(json) as { sub?: unknown; admin?: unknown };
  } catch {
    return null; // not a JWT: the sign-in form says so
  }
}

/** The `sub` of a JWT (null: not a JWT). */
export function tokenUser(token: string): string | null {
  const sub = claims(token)?.sub;
  return typeof sub === 'string' ? sub : null;
}

/** Whether a token says `admin: true` (an operator: the page shows the report queue; the server decides). */
export const tokenAdmin = (token: string): boolean => claims(token)?.admin === true;

let clientSeq = 0;
/** A fresh idempotency key for one send (retries of that send reuse it). */
export const newClientId = () => `web-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}-${clientSeq++}`;
