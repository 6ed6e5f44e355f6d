// Entry point of the page: sign in (dev token endpoint, optionally as an operator, or a pasted
// token), then the chat.
// The token lives in localStorage so a reload keeps the session; "Sign out" forgets it.
import { ChatApp } from './chat.js';
import { clear, h, tokenUser } from './dom.js';

const KEY = 'strata.token';
const root = document.getElementById('app')!;

function start(token: string) {
  localStorage.setItem(KEY, token);
  const app = new ChatApp(root, token, () => {
    localStorage.removeItem(KEY);
    app.close();
    signIn();
  });
  void app.start().catch((e: Error) => {
    // an expired or foreign token: back to the form with the reason
    app.close();
    localStorage.removeItem(KEY);
    signIn(e.message);
  });
}

function signIn(problem?: string) {
  const status = h('p', { class: 'error', role: 'alert' }, problem ?? '');
  const user = h('input', { id: 'signin-user', name: 'user', autocomplete: 'username', required: true, placeholder: 'alice', 'aria-label': 'User id' });
  const operator = h('input', { type: 'checkbox', id: 'signin-operator' });
  const pasted = h('textarea', { id: 'signin-token', rows: 3, placeholder: 'eyJhbGciOi…', 'aria-label': 'Token' });
  const devForm = h('form', { class: 'card', onsubmit: (ev: Event) => {
    ev.preventDefault();
    void devToken(user.value.trim(), operator.checked).then(start, (e: Error) => (status.textContent = e.message));
  } }, h('h2', {}, 'Sign in (development server)'), h('label', { for: 'signin-user' }, 'User id'), user,
    h('label', { for: 'signin-operator', class: 'operator-label' }, operator, ' as an operator (admin: reports, app-wide bans)'), h('button', { type: 'submit' }, 'Sign in'));
  const tokenForm = h('form', { class: 'card', onsubmit: (ev: Event) => {
    ev.preventDefault();
    const t = pasted.value.trim();
    if (!tokenUser(t)) status.textContent = 'That is not a JWT (try: npx strata token alice)';
    else start(t);
  } }, h('h2', {}, 'Or paste a token'), h('label', { for: 'signin-token' }, 'Token from `npx strata token <user>`'), pasted, h('button', { type: 'submit' }, 'Use token'));
  clear(root, h('section', { class: 'signin' }, h('h1', {}, 'Strata'), status, devForm, tokenForm));
  user.focus();
}

async function devToken(user: string, admin: boolean): Promise<string> {
  const res = await fetch('/dev/token', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user, ...(admin ? { admin } : {}) }) });
  if (res.status === 404) throw new Error('This server has no dev token endpoint (production): paste a token instead.');
  const body = (await res.json()) as { token?: string; detail?: string };
  if (!res.ok || !body.token) throw new Error(body.detail ?? `sign-in failed (${res.status})`);
  return body.token;
}

const saved = localStorage.getItem(KEY);
if (saved && tokenUser(saved)) start(saved);
else signIn();
