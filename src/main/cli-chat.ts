// `strata send`, `strata tail` and `strata search`: a chat client on the command line, built on the SDK.
// tail prints one line per message, in seq order and exactly once (the SDK socket resumes
// from the last printed seq after a reconnect, on whichever node it lands).
import { randomUUID } from 'node:crypto';
import type { Config } from '../config.js';
import { resolveSecret } from '../auth/dev-secret.js';
import { mintToken } from '../auth/tokens.js';
import { Strata, StrataError, StrataRest, type Message } from '../sdk/index.js';

export class CliUsageError extends Error {}

export interface Target {
  url: string;
  token: string;
}

/** --url, else http://localhost:$PORT; --token, else $STRATA_TOKEN, else minted for --as. */
export async function resolveTarget(config: Config, o: { url?: string; token?: string; as?: string }): Promise<Target> {
  const url = (o.url ?? `http://localhost:${config.port}`).replace(/\/$/, '');
  if (!/^https?:\/\/[^/]/.test(url)) throw new CliUsageError(`--url must be an http(s) URL, got "${url}"`);
  const token = o.token ?? process.env.STRATA_TOKEN;
  if (token) return { url, token };
  if (!o.as) throw new CliUsageError('no token: pass --token, set STRATA_TOKEN, or --as <user> to mint one from the dev secret');
  const s = resolveSecret(config, false);
  if (!s) throw new Error(`no AUTH_JWT_SECRET and no dev secret in ${config.dataDir}: pass --token or set STRATA_TOKEN`);
  return { url, token: await mintToken(s.secret, o.as, { ttlS: 12 * 3600, issuer: config.authIssuer, audience: config.authAudience }) };
}

/** One line per message: `#seq created_at sender: text` (newlines escaped). */
export function formatMessage(m: Message, kind: 'message' | 'edit' | 'delete' = 'message'): string {
  const text = m.deleted_at ? '(deleted)' : (m.text ?? '').replace(/\\/g, '\\\\').replace(/\r?\n/g, '\\n');
  const tag = kind === 'message' ? '' : ` [${kind}]`;
  const reply = m.reply_to ? ` ↪${m.reply_to}` : '';
  return `#${m.seq} ${m.created_at} ${m.sender}${tag}${reply}: ${text}`;
}

/** Turns SDK and network errors into the one line the CLI prints. */
export function describeError(e: unknown, url: string): string {
  if (e instanceof StrataError) {
    if (e.status === 401) return `the server at ${url} rejected the token (${e.message})`;
    return e.message;
  }
  const cause = (e as { cause?: { code?: string; message?: string } }).cause;
  if ((e as Error).message === 'fetch failed') return `cannot reach ${url}: ${cause?.code ?? cause?.message ?? 'network error'}`;
  return (e as Error).message;
}

export async function send(t: Target, conversation: string, text: string, replyTo?: string): Promise<string> {
  const rest = new StrataRest({ baseUrl: t.url, token: t.token });
  const m = await rest.send(conversation, text, { client_id: `cli-${randomUUID()}`, ...(replyTo ? { reply_to: replyTo } : {}) });
  return formatMessage(m);
}

interface SearchHit {
  message: Message;
  highlights: [number, number][];
}

/**
 * `strata search`: one line per result, `#seq created_at sender (conversation): text` with the
 * matched words in **bold markers**; the next page's cursor on the last line when there is one.
 */
export async function search(t: Target, q: string, o: { conversation?: string; from?: string; sort?: string; limit?: number; cursor?: string }): Promise<string[]> {
  const rest = new StrataRest({ baseUrl: t.url, token: t.token });
  const params = new URLSearchParams({ q });
  if (o.conversation) params.set('conversation_id', o.conversation);
  if (o.from) params.set('sender', o.from);
  if (o.sort) params.set('sort', o.sort);
  if (o.limit) params.set('limit', String(o.limit));
  if (o.cursor) params.set('cursor', o.cursor);
  const page = await rest.request<{ results: SearchHit[]; next_cursor: string | null }>('GET', `/v1/search?${params}`);
  const lines = page.results.map((r) => {
    const text = r.message.text ?? '';
    let marked = '';
    let at = 0;
    for (const [s, e] of r.highlights) {
      marked += `${text.slice(at, s)}**${text.slice(s, e)}**`;
      at = e;
    }
    marked += text.slice(at);
    return formatMessage({ ...r.message, text: marked }).replace(`${r.message.sender}:`, `${r.message.sender} (${r.message.conversation_id}):`);
  });
  if (lines.length === 0) lines.push('no results');
  if (page.next_cursor) lines.push(`more: --cursor ${page.next_cursor}`);
  return lines;
}

/** Prints the last `last` messages, then live ones until `signal` aborts. */
export async function tail(t: Target, conversation: string, o: { last: number; signal: AbortSignal; out: (line: string) => void; err: (line: string) => void }): Promise<void> {
  const client = new Strata({ baseUrl: t.url, token: t.token });
  await client.rest.getConversation(conversation); // a bad token or conversation fails here, clearly
  const page = await client.rest.history(conversation, { limit: Math.max(1, o.last) });
  if (o.last > 0) for (const m of page.messages.slice(-o.last)) o.out(formatMessage(m));
  const s = client.socket;
  s.track(conversation, page.messages.at(-1)?.seq ?? 0);
  s.on('message', (m: Message) => m.conversation_id === conversation && o.out(formatMessage(m)));
  s.on('edit', (f: { message: Message }) => f.message.conversation_id === conversation && o.out(formatMessage(f.message, 'edit')));
  s.on('delete', (f: { message: Message }) => f.message.conversation_id === conversation && o.out(formatMessage(f.message, 'delete')));
  let online = false; // one notice per outage, not one per failed attempt
  s.on('disconnect', (d: { code: number; reason: string }) => {
    if (online) o.err(`strata: connection lost (${d.code}${d.reason ? ` ${d.reason}` : ''}), reconnecting…`);
    online = false;
  });
  const closed = new Promise<never>((_, reject) => s.on('state', (st: string) => {
    if (st === 'closed' && !o.signal.aborted) reject(new Error('the server closed the connection for good (token expired or revoked?)'));
  }));
  s.on('state', (st: string) => {
    if (st === 'open' && !online) o.err(`strata: tailing ${conversation} on ${t.url} (Ctrl-C to stop)`);
    online = st === 'open';
  });
  await s.connect();
  const stopped = new Promise<void>((resolve) => o.signal.addEventListener('abort', () => resolve(), { once: true }));
  try {
    await Promise.race([stopped, closed]);
  } finally {
    client.close();
  }
}
