// Helpers of the change-log drills (change-drills.test.ts): REST calls to real nodes, the change
// log paged from cursor 0, a client view built from changes only (replay) and the same view from
// a fresh full load (history pages from every tier + reactions + members + title), and the
// accounting the drills print: acked vs logged changes (lost / duplicated), cursor and seq gaps,
// and differences between views (tier mismatches).
import pg from 'pg';

export type Change = Record<string, any> & { type: string; cursor: number };

/** A client's view of one conversation. */
export interface View {
  cursor: number;
  title: string | null;
  members: Map<string, string>;
  /** id → the message's canonical JSON (as the server sent it). */
  messages: Map<string, string>;
  /** `${message_id} ${user} ${reaction}` */
  reactions: Set<string>;
}

export interface Res {
  status: number;
  body: any;
  raw: string;
  headers: Headers;
}

/** One REST call to a node (only ever 127.0.0.1: the nodes listen there). */
export async function req(base: string, token: string, method: string, route: string, body?: unknown): Promise<Res> {
  if (!base.startsWith('http://127.0.0.1:')) throw new Error(`drills only talk to 127.0.0.1, not ${base}`);
  const res = await fetch(`${base}${route}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const raw = await res.text();
  let parsed: any;
  try {
    parsed = raw ? JSON.parse(raw) : undefined;
  } catch {
    parsed = raw;
  }
  return { status: res.status, body: parsed, raw, headers: res.headers };
}

/**
 * A call retried while the server answers 503 with Retry-After (an archiver run holds the
 * conversation, a row still on its way): bounded; `retries` counts them.
 */
export async function reqRetrying(base: string, token: string, method: string, route: string, body: unknown, counters: { retries: number }): Promise<Res> {
  for (let attempt = 0; ; attempt++) {
    const r = await req(base, token, method, route, body);
    if (r.status !== 503 || attempt >= 20) return r;
    counters.retries++;
    const after = Number(r.headers.get('retry-after') ?? '1');
    // back-off the server asked for (capped): a retry policy, not a synchronisation
    await new Promise((resolve) => setTimeout(resolve, Math.min(2_000, Math.max(50, after * 250))));
  }
}

export function replay(view: View, changes: Change[]): View {
  for (const c of changes) {
    switch (c.type) {
      case 'message': case 'edit': case 'delete': view.messages.set(c.message.id, JSON.stringify(c.message)); break;
      case 'reaction': {
        const key = `${c.message_id} ${c.user} ${c.reaction}`;
        if (c.removed) view.reactions.delete(key);
        else view.reactions.add(key);
        break;
      }
      case 'member': if (c.change === 'removed') view.members.delete(c.user); else view.members.set(c.user, c.role); break;
      case 'conversation': view.title = c.title; break;
      default: throw new Error(`unknown change ${c.type}`);
    }
    view.cursor = c.cursor;
  }
  return view;
}

/** The state of a conversation at cursor 0 (read right after its creation, before any change). */
export async function initialView(base: string, token: string, conv: string): Promise<View> {
  const c = await req(base, token, 'GET', `/v1/conversations/${conv}`);
  if (c.status !== 200) throw new Error(`GET conversation ${c.status} ${c.raw}`);
  return { cursor: 0, title: c.body.title, members: new Map(c.body.members.map((m: { user: string; role: string }) => [m.user, m.role])), messages: new Map(), reactions: new Set() };
}

/** Every change after `after`, paged through REST. */
export async function allChanges(base: string, token: string, conv: string, after = 0, limit = 173): Promise<{ changes: Change[]; cursor: number; pages: number }> {
  const changes: Change[] = [];
  let cursor = after;
  for (let pages = 1; pages < 10_000; pages++) {
    const r = await req(base, token, 'GET', `/v1/conversations/${conv}/changes?after=${cursor}&limit=${limit}`);
    if (r.status !== 200) throw new Error(`GET changes after=${cursor}: ${r.status} ${r.raw}`);
    changes.push(...(r.body.changes as Change[]));
    if (r.body.changes.length) cursor = (r.body.changes as Change[]).at(-1)!.cursor;
    if (!r.body.has_more) return { changes, cursor: r.body.cursor, pages };
  }
  throw new Error('changes: too many pages');
}

/** The conversation's current cursor (the changes route reports it). */
export async function currentCursor(base: string, token: string, conv: string): Promise<number> {
  const r = await req(base, token, 'GET', `/v1/conversations/${conv}/changes?after=0&limit=1`);
  if (r.status !== 200) throw new Error(`GET changes: ${r.status} ${r.raw}`);
  return r.body.cursor as number;
}

export interface Loaded {
  view: View;
  /** seqs of the history, ascending as paged */
  seqs: number[];
  tiers: Set<string>;
  /** the tier (x-strata-tier) of the page that served each message, by id */
  tierOf: Map<string, string>;
  /** messages whose reactions could not be read: id → the answer */
  unreadableReactions: Map<string, string>;
}

/** A fresh full load: conversation (title, members), every history page (ascending), every message's reactions. */
export async function fullLoad(base: string, token: string, conv: string): Promise<Loaded> {
  const c = await req(base, token, 'GET', `/v1/conversations/${conv}`);
  if (c.status !== 200) throw new Error(`GET conversation ${c.status} ${c.raw}`);
  const view: View = { cursor: -1, title: c.body.title, members: new Map(c.body.members.map((m: { user: string; role: string }) => [m.user, m.role])), messages: new Map(), reactions: new Set() };
  const seqs: number[] = [];
  const tiers = new Set<string>();
  const tierOf = new Map<string, string>();
  const unreadableReactions = new Map<string, string>();
  let after = 0;
  for (let guard = 0; guard < 10_000; guard++) {
    const r = await req(base, token, 'GET', `/v1/conversations/${conv}/messages?limit=200&after=${after}`);
    if (r.status !== 200) throw new Error(`history after=${after}: ${r.status} ${r.raw}`);
    tiers.add(String(r.headers.get('x-strata-tier')));
    for (const m of r.body.messages as Record<string, any>[]) {
      view.messages.set(m.id, JSON.stringify(m));
      tierOf.set(m.id, `${r.headers.get('x-strata-tier')} page after=${after}`);
      seqs.push(m.seq);
    }
    if (!r.body.has_more || r.body.messages.length === 0) break;
    after = r.body.messages.at(-1).seq;
  }
  for (const id of view.messages.keys()) {
    const r = await req(base, token, 'GET', `/v1/messages/${id}/reactions`);
    if (r.status !== 200) {
      unreadableReactions.set(id, `${r.status} ${r.body?.code ?? r.raw}`);
      continue;
    }
    for (const x of r.body.reactions as { user: string; reaction: string }[]) view.reactions.add(`${id} ${x.user} ${x.reaction}`);
  }
  return { view, seqs, tiers, tierOf, unreadableReactions };
}

/** Every difference between two views, described (empty: equal). */
export function diffViews(a: View, b: View, label: [string, string] = ['replay', 'full load']): string[] {
  const out: string[] = [];
  if (a.title !== b.title) out.push(`title: ${label[0]} ${JSON.stringify(a.title)} vs ${label[1]} ${JSON.stringify(b.title)}`);
  const members = new Set([...a.members.keys(), ...b.members.keys()]);
  for (const u of members) if (a.members.get(u) !== b.members.get(u)) out.push(`member ${u}: ${a.members.get(u)} vs ${b.members.get(u)}`);
  const ids = new Set([...a.messages.keys(), ...b.messages.keys()]);
  for (const id of ids) if (a.messages.get(id) !== b.messages.get(id)) out.push(`message ${id}: ${label[0]} ${a.messages.get(id)} vs ${label[1]} ${b.messages.get(id)}`);
  for (const r of a.reactions) if (!b.reactions.has(r)) out.push(`reaction ${r}: only in ${label[0]}`);
  for (const r of b.reactions) if (!a.reactions.has(r)) out.push(`reaction ${r}: only in ${label[1]}`);
  return out;
}

/** Missing numbers in 1..max of a list, and how many appear more than once. */
export function gapsAndDuplicates(values: number[]): { gaps: number; duplicated: number; max: number } {
  const seen = new Set<number>();
  let duplicated = 0;
  let max = 0;
  for (const v of values) {
    if (seen.has(v)) duplicated++;
    seen.add(v);
    if (v > max) max = v;
  }
  let gaps = 0;
  for (let i = 1; i <= max; i++) if (!seen.has(i)) gaps++;
  return { gaps, duplicated, max };
}

/** What an acknowledged operation must have left in the change log (one change each). */
export function signatureOf(c: Change): string {
  switch (c.type) {
    case 'message': return `message ${c.message.id}`;
    case 'edit': case 'delete': return `${c.type} ${c.message.id} ${c.message.version}`;
    case 'reaction': return `reaction ${c.message_id} ${c.user} ${c.reaction} ${c.removed}`;
    case 'member': return `member ${c.user} ${c.change} ${c.role}`;
    case 'conversation': return `conversation ${c.title}`;
    default: return `unknown ${c.type}`;
  }
}

/** Multiset of acked signatures vs the log's: lost = acked but absent, extra = logged but never acked. */
export function matchAcked(acked: string[], logged: Change[]): { lost: number; extra: number; examples: string[] } {
  const count = new Map<string, number>();
  for (const s of acked) count.set(s, (count.get(s) ?? 0) + 1);
  for (const c of logged) {
    const s = signatureOf(c);
    count.set(s, (count.get(s) ?? 0) - 1);
  }
  let lost = 0, extra = 0;
  const examples: string[] = [];
  for (const [s, n] of count) {
    if (n > 0) { lost += n; if (examples.length < 5) examples.push(`lost: ${s} ×${n}`); }
    if (n < 0) { extra -= n; if (examples.length < 5) examples.push(`unacked/duplicated: ${s} ×${-n}`); }
  }
  return { lost, extra, examples };
}

/** The warm store's changes of some conversations (PostgreSQL of the cluster): conv → cursor → json. */
export async function warmChanges(databaseUrl: string, convs: string[]): Promise<Map<string, Map<number, string>>> {
  const c = new pg.Client({ connectionString: databaseUrl });
  await c.connect();
  try {
    const r = await c.query<{ conversation_id: string; cursor: string; json: string }>('select conversation_id, cursor, json from changes where conversation_id = any($1) order by conversation_id, cursor', [convs]);
    const out = new Map<string, Map<number, string>>(convs.map((id) => [id, new Map()]));
    for (const row of r.rows) out.get(row.conversation_id)!.set(Number(row.cursor), row.json);
    return out;
  } finally {
    await c.end();
  }
}

/** Where the warm store holds a message (for a difference's report): its row's and overlay's versions, and the conversation's counters. */
export async function warmWhereabouts(databaseUrl: string, conv: string, id: string): Promise<string> {
  const c = new pg.Client({ connectionString: databaseUrl });
  await c.connect();
  try {
    const row = await c.query('select seq, version from messages where id = $1', [id]);
    const overlay = await c.query('select seq, version from message_overlays where conversation_id = $1 and id = $2', [conv, id]);
    const counters = await c.query('select last_seq, last_cursor, settled_cursor from conversations where id = $1', [conv]);
    const at = (r: pg.QueryResult) => (r.rows[0] ? `seq ${r.rows[0].seq} version ${r.rows[0].version}` : 'none');
    return `warm row ${at(row)}; overlay ${at(overlay)}; conversation ${JSON.stringify(counters.rows[0] ?? null)}`;
  } finally {
    await c.end();
  }
}

/** The warm store's reaction rows of some conversations: `${message_id} ${user} ${reaction}`. */
export async function warmReactions(databaseUrl: string, convs: string[]): Promise<Set<string>> {
  const c = new pg.Client({ connectionString: databaseUrl });
  await c.connect();
  try {
    const r = await c.query<{ message_id: string; user_id: string; reaction: string }>('select message_id, user_id, reaction from reactions where conversation_id = any($1)', [convs]);
    return new Set(r.rows.map((x) => `${x.message_id} ${x.user_id} ${x.reaction}`));
  } finally {
    await c.end();
  }
}

/** Warm-store change rows of the conversations, in all. */
export async function warmCount(databaseUrl: string, convs: string[]): Promise<number> {
  let n = 0;
  for (const m of (await warmChanges(databaseUrl, convs)).values()) n += m.size;
  return n;
}

/** Seeded generator: the bench's mulberry32 (same sequence for the same seed). */
export { rng } from '../../bench/lib/rng.js';

export const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
