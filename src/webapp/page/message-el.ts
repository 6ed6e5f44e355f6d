// One message in the list: sender, time, text (or tombstone) with its mentions highlighted,
// reply quote, reactions, the delivered/read tick on own messages, the thread it starts ("N
// replies", with my unread count in it) or replies in, a pin mark, and keyboard-reachable
// actions (reply, reply in thread, react, edit, delete, report a message of someone else, and
// pin/unpin for owners and admins),
// and its attachments under the text: images as thumbnails, other files as download links
// (both on signed URLs from uploads.ts; a deleted message shows none).
// Rendering is a pure function of the message and the view's state; the view re-renders an
// element in place when anything about it changes.
import type { Message } from '../../sdk/index.js';
import { h, time } from './dom.js';
import { mentionNodes, mentionsOf } from './mentions.js';
import { problemText, sizeText, type AttachmentLinks } from './uploads.js';

export const REACTIONS = ['👍', '❤️', '😂', '🎉'];
export type Tick = 'pending' | 'failed' | 'sent' | 'delivered' | 'read';

export interface MessageCtx {
  me: string;
  byId(id: string): Message | undefined;
  reactions(messageId: string): Map<string, Set<string>>;
  tick(m: Message): Tick;
  reply(m: Message): void;
  toggleReaction(m: Message, reaction: string): void;
  edit(m: Message, text: string): Promise<void>;
  remove(m: Message): Promise<void>;
  /** The thread a root message starts, as far as known (the main timeline only). */
  thread?(m: Message): { replies: number; unread: number };
  /** Opens a thread's panel (the main timeline only). */
  openThread?(rootId: string): void;
  /** Whether the message is pinned, and whether I may pin and unpin (the main timeline only). */
  pin?(m: Message): { pinned: boolean; canPin: boolean };
  togglePin?(m: Message): void;
  /** Reports someone else's message to the operators (report-dialog.ts); no Report action without it. */
  report?(m: Message): void;
  /** Signed download URLs of attachments (without it attachments are not shown). */
  links?: AttachmentLinks;
}

/** The thread a message replies in (null: none, or stored before threads existed). */
export const threadOf = (m: Pick<Message, 'thread_id'>): string | null => m.thread_id ?? null;
/** Whether the main timeline shows a message: all but thread-only replies. */
export const inTimeline = (m: Pick<Message, 'in_timeline'>): boolean => m.in_timeline !== false;

const TICKS: Record<Tick, [string, string]> = {
  pending: ['…', 'Sending'], failed: ['⚠', 'Not sent'], sent: ['✓', 'Sent'], delivered: ['✓✓', 'Delivered'], read: ['✓✓', 'Read'],
};

/** Briefly highlights a message the page went to (search result, pin). */
export function flash(el: HTMLElement) {
  el.classList.remove('flash');
  void el.offsetWidth; // restart the animation when it runs already
  el.classList.add('flash');
  setTimeout(() => el.classList.remove('flash'), 2500);
}

export function tickEl(t: Tick) {
  return h('span', { class: `tick tick-${t}`, 'data-tick': t, title: TICKS[t][1], 'aria-label': TICKS[t][1] }, TICKS[t][0]);
}

export function renderMessage(m: Message, ctx: MessageCtx): HTMLElement {
  const mine = m.sender === ctx.me;
  const deleted = m.deleted_at !== null;
  const quoted = m.reply_to ? ctx.byId(m.reply_to) : undefined;
  const mentioned = !deleted && mentionsOf(m).includes(ctx.me);
  const text = h('div', { class: 'text' }, ...(deleted ? [h('em', {}, 'message deleted')] : mentionNodes(m.text ?? '', mentionsOf(m), ctx.me)));
  const reactions = [...ctx.reactions(m.id)].filter(([, users]) => users.size > 0);
  const actions = h('div', { class: 'actions', role: 'group', 'aria-label': 'Message actions' });
  const root = threadOf(m);
  const { openThread } = ctx;
  if (!deleted) {
    actions.append(h('button', { type: 'button', class: 'reply', onclick: () => ctx.reply(m) }, 'Reply'));
    if (openThread && root === null) actions.append(h('button', { type: 'button', class: 'thread-open', onclick: () => openThread(m.id) }, 'Reply in thread'));
    for (const r of REACTIONS) {
      actions.append(h('button', { type: 'button', class: 'react', 'aria-label': `React ${r}`, onclick: () => ctx.toggleReaction(m, r) }, r));
    }
  }
  const pin = ctx.pin?.(m);
  const { togglePin } = ctx;
  if (pin?.canPin && togglePin && (!deleted || pin.pinned)) {
    actions.append(h('button', { type: 'button', class: pin.pinned ? 'unpin' : 'pin', onclick: () => togglePin(m) }, pin.pinned ? 'Unpin' : 'Pin'));
  }
  if (mine && !deleted) {
    actions.append(h('button', { type: 'button', class: 'edit', onclick: () => startEdit(el, text, m, ctx) }, 'Edit'));
    const del = h('button', { type: 'button', class: 'delete' }, 'Delete');
    let armed: ReturnType<typeof setTimeout> | undefined;
    del.addEventListener('click', () => {
      if (!armed) {
        del.textContent = 'Confirm delete';
        armed = setTimeout(() => ((del.textContent = 'Delete'), (armed = undefined)), 4000);
        return;
      }
      clearTimeout(armed);
      void ctx.remove(m);
    });
    actions.append(del);
  }
  const { report } = ctx;
  if (!mine && !deleted && report) actions.append(h('button', { type: 'button', class: 'report', 'aria-label': `Report message of ${m.sender}`, onclick: () => report(m) }, 'Report'));
  const thread = root === null ? ctx.thread?.(m) : undefined;
  const classes = `msg${mine ? ' mine' : ''}${deleted ? ' deleted' : ''}${mentioned ? ' mentioned' : ''}${pin?.pinned ? ' pinned' : ''}`;
  const el = h('article', { class: classes, 'data-seq': m.seq, 'data-id': m.id, 'data-thread': root, tabindex: 0, 'aria-label': `${m.sender}${mentioned ? ' (mentions you)' : ''}: ${deleted ? 'deleted' : m.text ?? ''}` },
    h('header', {}, h('span', { class: 'sender' }, m.sender), ' ', h('time', { datetime: m.created_at }, time(m.created_at)),
      m.edited_at && !deleted ? h('span', { class: 'edited' }, ' (edited)') : null,
      pin?.pinned ? h('span', { class: 'pin-mark', title: 'Pinned', 'aria-label': 'Pinned' }, '📌') : null, mine ? tickEl(ctx.tick(m)) : null),
    root !== null && openThread ? h('button', { type: 'button', class: 'in-thread', onclick: () => openThread(root) }, '↳ replied in a thread') : null,
    m.reply_to ? h('blockquote', { class: 'quote' }, quoted ? `↪ ${quoted.sender}: ${quoted.text ?? 'deleted'}` : '↪ an earlier message') : null,
    text,
    deleted || !ctx.links ? null : attachmentsEl(m.attachments ?? [], ctx.links),
    reactions.length ? h('div', { class: 'reactions' }, ...reactions.map(([r, users]) =>
      h('button', { type: 'button', class: 'chip', 'aria-pressed': users.has(ctx.me) ? 'true' : 'false', title: [...users].join(', '), onclick: () => ctx.toggleReaction(m, r) }, `${r} ${users.size}`))) : null,
    thread && thread.replies > 0 && openThread ? threadInfo(m.id, thread, openThread) : null,
    actions);
  return el;
}

type Attachment = Message['attachments'][number];

/** The files of a message: images (image/*) as thumbnails, everything else as a download link. */
function attachmentsEl(list: Attachment[], links: AttachmentLinks) {
  if (!list.length) return null;
  return h('ul', { class: 'attachments', 'aria-label': 'Attachments' }, ...list.map((a) => h('li', {}, a.content_type.startsWith('image/') ? imageEl(a, links) : fileEl(a, links))));
}

function imageEl(a: Attachment, links: AttachmentLinks) {
  const img = h('img', { alt: a.name, 'data-attachment': a.id, loading: 'lazy', decoding: 'async', width: a.width ?? undefined, height: a.height ?? undefined });
  const open = h('a', { class: 'att-open', target: '_blank', rel: 'noopener', title: `${a.name} (${sizeText(a.size)})` }, img);
  const show = (fresh: boolean) => links.get(a.id, fresh).then((l) => {
    img.src = l.url;
    open.href = l.url;
  }, (e: unknown) => failed(open, e));
  let retried = false;
  img.addEventListener('error', () => {
    if (retried || !img.getAttribute('src')) return;
    retried = true; // the signed URL expired before the bytes were cached: once with a new one
    void show(true);
  });
  void show(false);
  return h('figure', { class: 'att att-image', 'data-attachment': a.id }, open, h('figcaption', {}, a.name));
}

function fileEl(a: Attachment, links: AttachmentLinks) {
  const link = h('a', { class: 'att att-file', 'data-attachment': a.id, download: a.name, target: '_blank', rel: 'noopener' },
    h('span', { class: 'file-name' }, a.name), ' ', h('span', { class: 'file-size' }, sizeText(a.size)));
  const resolve = (fresh: boolean) => links.get(a.id, fresh).then((l) => {
    link.href = l.url;
    link.dataset.expires = String(l.expiresAt);
    return true;
  }, (e: unknown) => (failed(link, e), false));
  link.addEventListener('click', (ev) => {
    if (Number(link.dataset.expires ?? 0) - Date.now() > 30_000) return; // the href is good: a plain click
    ev.preventDefault();
    void resolve(true).then((ok) => ok && link.click());
  });
  void resolve(false);
  return link;
}

function failed(el: HTMLElement, e: unknown) {
  el.dataset.state = 'failed';
  el.title = problemText(e);
}

/** "N replies" (opens the thread) and my unread count in it. */
function threadInfo(rootId: string, t: { replies: number; unread: number }, open: (rootId: string) => void) {
  const n = `${t.replies} ${t.replies === 1 ? 'reply' : 'replies'}`;
  return h('div', { class: 'thread-info' },
    h('button', { type: 'button', class: 'thread-link', 'data-replies': t.replies, 'aria-label': `Open thread: ${n}${t.unread ? `, ${t.unread} unread` : ''}`, onclick: () => open(rootId) }, n),
    t.unread > 0 ? h('span', { class: 'thread-unread', 'aria-hidden': 'true' }, String(t.unread)) : null);
}

function startEdit(el: HTMLElement, text: HTMLElement, m: Message, ctx: MessageCtx) {
  const input = h('input', { class: 'edit-input', value: m.text ?? '', 'aria-label': 'Edit message' });
  const done = () => text.replaceChildren(...mentionNodes(m.text ?? '', mentionsOf(m), ctx.me));
  input.addEventListener('keydown', (ev) => {
    if (ev.key === 'Escape') done();
    if (ev.key === 'Enter' && input.value.trim()) {
      ev.preventDefault();
      input.disabled = true;
      ctx.edit(m, input.value.trim()).catch((e: Error) => {
        input.disabled = false;
        input.title = e.message;
        el.classList.add('error');
      });
    }
  });
  text.replaceChildren(input);
  input.focus();
}
