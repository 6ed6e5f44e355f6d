// One message in the list: sender, time, text (or tombstone), reply quote, reactions, the
// delivered/read tick on own messages, and keyboard-reachable actions (reply, react, edit,
// delete). Rendering is a pure function of the message and the view's state; the view
// re-renders an element in place when anything about it changes.
import type { Message } from '../../sdk/index.js';
import { h, time } from './dom.js';

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
}

const TICKS: Record<Tick, [string, string]> = {
  pending: ['…', 'Sending'], failed: ['⚠', 'Not sent'], sent: ['✓', 'Sent'], delivered: ['✓✓', 'Delivered'], read: ['✓✓', 'Read'],
};

export function tickEl(t: Tick) {
  return h('span', { class: `tick tick-${t}`, 'data-tick': t, title: TICKS[t][1], 'aria-label': TICKS[t][1] }, TICKS[t][0]);
}

export function renderMessage(m: Message, ctx: MessageCtx): HTMLElement {
  const mine = m.sender === ctx.me;
  const deleted = m.deleted_at !== null;
  const quoted = m.reply_to ? ctx.byId(m.reply_to) : undefined;
  const text = h('div', { class: 'text' }, deleted ? h('em', {}, 'message deleted') : (m.text ?? ''));
  const reactions = [...ctx.reactions(m.id)].filter(([, users]) => users.size > 0);
  const actions = h('div', { class: 'actions', role: 'group', 'aria-label': 'Message actions' });
  if (!deleted) {
    actions.append(h('button', { type: 'button', class: 'reply', onclick: () => ctx.reply(m) }, 'Reply'));
    for (const r of REACTIONS) {
      actions.append(h('button', { type: 'button', class: 'react', 'aria-label': `React ${r}`, onclick: () => ctx.toggleReaction(m, r) }, r));
    }
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
  const el = h('article', { class: `msg${mine ? ' mine' : ''}${deleted ? ' deleted' : ''}`, 'data-seq': m.seq, 'data-id': m.id, tabindex: 0, 'aria-label': `${m.sender}: ${deleted ? 'deleted' : m.text ?? ''}` },
    h('header', {}, h('span', { class: 'sender' }, m.sender), ' ', h('time', { datetime: m.created_at }, time(m.created_at)),
      m.edited_at && !deleted ? h('span', { class: 'edited' }, ' (edited)') : null, mine ? tickEl(ctx.tick(m)) : null),
    m.reply_to ? h('blockquote', { class: 'quote' }, quoted ? `↪ ${quoted.sender}: ${quoted.text ?? 'deleted'}` : '↪ an earlier message') : null,
    text,
    reactions.length ? h('div', { class: 'reactions' }, ...reactions.map(([r, users]) =>
      h('button', { type: 'button', class: 'chip', 'aria-pressed': users.has(ctx.me) ? 'true' : 'false', title: [...users].join(', '), onclick: () => ctx.toggleReaction(m, r) }, `${r} ${users.size}`))) : null,
    actions);
  return el;
}

function startEdit(el: HTMLElement, text: HTMLElement, m: Message, ctx: MessageCtx) {
  const input = h('input', { class: 'edit-input', value: m.text ?? '', 'aria-label': 'Edit message' });
  const done = () => text.replaceChildren(m.text ?? '');
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
