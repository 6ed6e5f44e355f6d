// What the chaos drills share: `strata worker` processes, a Valkey that can be killed and
// started again on the same port, a burst of sends whose unacked ones are retried with the same
// client_id (on another node), and the verification that prints the drill's one line:
//
//   drill <n> <name>: acked=… stored=… lost=… duplicated=… gaps=… tier_mismatches=… [extras]
//
// acked: sends answered 200/201; stored: rows in the warm store for the drill's conversations;
// lost: acked ids not stored (or stored with another seq); duplicated: (sender, client_id) pairs
// stored more than once; gaps: seqs missing in 1..max per conversation; tier_mismatches:
// messages whose JSON in the history pages (read through two nodes) differs from the row
// rebuilt through messageJson, or between the two nodes.
// Only processes started here are signalled, by their PID; only 127.0.0.1 is targeted.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import { sql } from 'kysely';
import { Keys, PERSIST_GROUP } from '../../src/hot-tier/valkey/keys.js';
import { messageJson, type Message } from '../../src/model/message.js';
import { createSqlStore, type SqlStore } from '../../src/store/sql/sql-store.js';
import { NODES_SECRET, type NodeCluster } from '../helpers/nodes.js';
import { redisBin } from '../services/binaries.js';
import { freePort, waitFor } from '../services/ports.js';

const BIN = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../bin/strata.js');
export const USERS = ['alice', 'bob', 'carol', 'dave'];

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `cond` until it holds or `timeoutMs` passes; false on timeout (the caller reports). */
export async function until(cond: () => boolean | Promise<boolean>, timeoutMs: number, intervalMs = 100): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await cond()) return true;
    } catch {
      // not there yet
    }
    if (Date.now() > deadline) return false;
    await pause(intervalMs);
  }
}

// --- processes ---------------------------------------------------------------------------------

export interface Proc {
  pid: number;
  output(): string;
  /** kill -9, resolves once the process is gone. */
  kill(): Promise<void>;
}

function watch(child: ChildProcess): Proc & { exited: Promise<void>; alive(): boolean } {
  let out = '';
  child.stdout?.on('data', (d) => (out = (out + d).slice(-20_000)));
  child.stderr?.on('data', (d) => (out = (out + d).slice(-20_000)));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const alive = () => child.exitCode === null && child.signalCode === null;
  return {
    pid: child.pid!, exited, alive, output: () => out,
    async kill() {
      if (alive()) process.kill(child.pid!, 'SIGKILL');
      await exited;
    },
  };
}

/** A `strata worker` on the cluster's Valkey prefix and database; resolves once it logged its start. */
export async function startWorker(cluster: NodeCluster, valkeyUrl: string, env: Record<string, string> = {}): Promise<Proc> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-drill-worker-'));
  const child = spawn(process.execPath, [BIN, 'worker'], {
    env: {
      ...process.env, NODE_ENV: 'development', LOG_LEVEL: 'info', DATA_DIR: dataDir, AUTH_JWT_SECRET: NODES_SECRET,
      VALKEY_URL: valkeyUrl, VALKEY_PREFIX: cluster.prefix, DATABASE_URL: cluster.databaseUrl, ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const p = watch(child);
  void p.exited.then(() => fs.rmSync(dataDir, { recursive: true, force: true }));
  const up = await until(() => {
    if (!p.alive()) throw new Error('exited');
    return p.output().includes('worker started');
  }, 30_000);
  if (!up) {
    await p.kill();
    throw new Error(`strata worker did not start:\n${p.output()}`);
  }
  return p;
}

/** kill -9 of a node started by startNodes (its PID), resolved once it no longer answers. */
export async function killNode(url: string, pid: number): Promise<void> {
  process.kill(pid, 'SIGKILL');
  await waitFor('the killed node to stop answering', async () => {
    try {
      await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1000) });
      return false;
    } catch {
      return true;
    }
  }, 10_000);
}

/** Persist-log entries pending on the consumers of process `pid` (a worker just killed holds them until claimed). */
export async function pendingOf(valkeyUrl: string, prefix: string, pid: number, partitions = 16): Promise<number> {
  const keys = new Keys(prefix);
  const c = new Redis(valkeyUrl, { maxRetriesPerRequest: 1 });
  try {
    let n = 0;
    for (let p = 0; p < partitions; p++) {
      const [, , , consumers] = (await c.xpending(keys.log(p), PERSIST_GROUP)) as [number, string | null, string | null, [string, string][] | null];
      for (const [name, count] of consumers ?? []) if (name.includes(`-${pid}-`)) n += Number(count);
    }
    return n;
  } finally {
    c.disconnect();
  }
}

export interface RestartableRedis {
  url: string;
  /** kill -9: everything in memory is gone (no RDB, no AOF). */
  kill(): Promise<void>;
  /** Starts an empty server on the same port again. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** redis-server without persistence (`--save '' --appendonly no`) that can be killed and started again on its port. */
export async function startRestartableRedis(): Promise<RestartableRedis> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-drill-redis-'));
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  let proc: ReturnType<typeof watch> | undefined;
  const start = async () => {
    proc = watch(spawn(redisBin('redis-server'), [
      '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--protected-mode', 'no',
    ], { stdio: ['ignore', 'pipe', 'pipe'] }));
    await waitFor('redis-server', async () => {
      if (!proc!.alive()) throw new Error(`redis-server exited: ${proc!.output()}`);
      const c = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      c.on('error', () => {});
      try {
        await c.connect();
        return (await c.ping()) === 'PONG';
      } finally {
        c.disconnect();
      }
    }, 15_000);
  };
  await start();
  return {
    url, start,
    kill: async () => proc?.kill(),
    stop: async () => {
      await proc?.kill();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

// --- clients -------------------------------------------------------------------------------------

export async function tokensFor(cluster: NodeCluster): Promise<Record<string, string>> {
  return Object.fromEntries(await Promise.all(USERS.map(async (u) => [u, await cluster.token(u)] as const)));
}

/** `n` group conversations of every drill user, created by alice through `url`. */
export async function createConversations(url: string, tokens: Record<string, string>, n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const res = await fetch(`${url}/v1/conversations`, {
      method: 'POST', headers: { authorization: `Bearer ${tokens.alice}`, 'content-type': 'application/json' },
      body: JSON.stringify({ members: USERS.slice(1) }),
    });
    if (res.status !== 201) throw new Error(`create conversation: ${res.status} ${await res.text()}`);
    ids.push(((await res.json()) as { id: string }).id);
  }
  return ids;
}

export interface Send { conv: string; user: string; clientId: string; text: string }
export interface Acked { send: Send; id: string; seq: number; status: number; attempts: number }

export interface BurstOptions {
  urls: string[];
  tokens: Record<string, string>;
  /** Attempts per send before it is given up (counted in gaveUp). */
  maxAttempts?: number;
  /** Per request. */
  timeoutMs?: number;
  /** Longest pause before a retry, whatever Retry-After says. */
  maxRetryPauseMs?: number;
}

/**
 * Sends with client_ids from concurrent clients, each sticking to a node until a send fails
 * there (refused, reset, timeout, 5xx): then the same send goes to the next node, bounded.
 */
export class Burst {
  readonly acked = new Map<string, Acked>();
  /** Attempt outcomes: 201, 200, 503, `503 no Retry-After`, `net ECONNREFUSED`, `timeout`, … */
  readonly outcomes = new Map<string, number>();
  /** Answers that are neither 2xx nor 503 nor a network failure, first few. */
  readonly unexpected: string[] = [];
  readonly gaveUp: Send[] = [];
  retried = 0;
  private readonly o: Required<BurstOptions>;

  constructor(opts: BurstOptions) {
    this.o = { maxAttempts: 40, timeoutMs: 40_000, maxRetryPauseMs: 1000, ...opts };
  }

  private count(k: string) {
    this.outcomes.set(k, (this.outcomes.get(k) ?? 0) + 1);
  }

  /** One logical send, retried; `pref` is the client's node index (updated on failure). */
  async send(s: Send, client: { pref: number }): Promise<Acked | undefined> {
    for (let attempt = 1; attempt <= this.o.maxAttempts; attempt++) {
      if (attempt === 2) this.retried++;
      const url = this.o.urls[client.pref % this.o.urls.length];
      let pauseMs = 0;
      try {
        const res = await fetch(`${url}/v1/conversations/${s.conv}/messages`, {
          method: 'POST', signal: AbortSignal.timeout(this.o.timeoutMs),
          headers: { authorization: `Bearer ${this.o.tokens[s.user]}`, 'content-type': 'application/json' },
          body: JSON.stringify({ text: s.text, client_id: s.clientId }),
        });
        const text = await res.text();
        if (res.status === 200 || res.status === 201) {
          this.count(String(res.status));
          const m = JSON.parse(text) as Message;
          const a: Acked = { send: s, id: m.id, seq: m.seq, status: res.status, attempts: attempt };
          this.acked.set(`${s.user}\n${s.clientId}`, a);
          return a;
        }
        const retryAfter = res.headers.get('retry-after');
        this.count(res.status === 503 && !retryAfter ? '503 no Retry-After' : String(res.status));
        if (res.status !== 503 && this.unexpected.length < 5) this.unexpected.push(`${res.status} ${text.slice(0, 300)}`);
        if (res.status < 500) return undefined; // a 4xx is an answer: retrying it changes nothing
        pauseMs = retryAfter ? Number(retryAfter) * 1000 : 100;
      } catch (e) {
        const err = e as Error & { cause?: { code?: string } };
        this.count(err.name === 'TimeoutError' ? 'timeout' : `net ${err.cause?.code ?? err.message}`);
      }
      client.pref++; // the same client_id again, on the next node
      await pause(Math.min(pauseMs || 20 * attempt, this.o.maxRetryPauseMs));
    }
    this.gaveUp.push(s);
    return undefined;
  }

  /** `total` sends from `clients` concurrent clients (client k starts on node k); stops early when `stop()` says so. */
  async run(opts: { total: number; clients: number; make: (i: number) => Send; onAck?: (acked: number) => void | Promise<void>; stop?: () => boolean }): Promise<number> {
    let next = 0;
    await Promise.all(Array.from({ length: opts.clients }, async (_, k) => {
      const client = { pref: k };
      while (next < opts.total && !opts.stop?.()) {
        const a = await this.send(opts.make(next++), client);
        if (a) await opts.onAck?.(this.acked.size);
      }
    }));
    return next;
  }

  outcomeSummary(): string {
    return [...this.outcomes].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k.replace(/ /g, '_')}:${n}`).join(',');
  }
}

// --- verification --------------------------------------------------------------------------------

export async function openStore(databaseUrl: string): Promise<SqlStore> {
  return createSqlStore(databaseUrl, { poolSize: 2 });
}

export async function countRows(store: SqlStore, convs: string[]): Promise<number> {
  const r = await store.db.selectFrom('messages').select(sql<number>`count(*)`.as('n')).where('conversation_id', 'in', convs).executeTakeFirst();
  return Number(r?.n ?? 0);
}

/** Waits (bounded) until the warm store holds at least as many rows as were acked; false on timeout. */
export function drained(store: SqlStore, convs: string[], acked: number, timeoutMs: number): Promise<boolean> {
  return until(async () => (await countRows(store, convs)) >= acked, timeoutMs, 250);
}

async function allRows(store: SqlStore, conv: string): Promise<Message[]> {
  const out: Message[] = [];
  for (let after = 0, i = 0; i < 10_000; i++) {
    const page = await store.listMessages(conv, { afterSeq: after, limit: 1000 });
    if (page.length === 0) break;
    out.push(...page);
    after = page[page.length - 1].seq;
  }
  return out;
}

/**
 * Every message of a conversation through GET …/messages pages, by seq; tiers counted. The
 * latest page is small (40: inside any ring of the drills, served hot), the older ones big
 * (200, `before`: below a small ring, served warm).
 */
async function allPages(url: string, token: string, conv: string, tiers: Map<string, number>): Promise<Map<number, string>> {
  const out = new Map<number, string>();
  let before: number | undefined;
  for (let i = 0; i < 1000; i++) {
    const q = before === undefined ? '?limit=40' : `?limit=200&before=${before}`;
    const res = await fetch(`${url}/v1/conversations/${conv}/messages${q}`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(30_000) });
    if (res.status !== 200) throw new Error(`GET history via ${url}: ${res.status} ${await res.text()}`);
    const tier = res.headers.get('x-strata-tier') ?? '?';
    tiers.set(tier, (tiers.get(tier) ?? 0) + 1);
    const page = (await res.json()) as { messages: Message[]; has_more: boolean };
    // JSON.stringify keeps the order the keys came in: equal strings mean equal canonical JSON
    for (const m of page.messages) out.set(m.seq, JSON.stringify(m));
    if (!page.has_more || page.messages.length === 0) break;
    before = page.messages[0].seq;
  }
  return out;
}

export interface Counts { acked: number; stored: number; lost: number; duplicated: number; gaps: number; tier_mismatches: number }

export async function verify(store: SqlStore, convs: string[], acked: Iterable<Acked>, readers: { url: string; token: string }[]): Promise<{ counts: Counts; tiers: string; examples: string[] }> {
  const examples: string[] = [];
  const perKind = new Map<string, number>();
  const note = (s: string) => {
    const kind = s.slice(0, s.indexOf(' '));
    if ((perKind.get(kind) ?? 0) < 6) examples.push(s);
    perKind.set(kind, (perKind.get(kind) ?? 0) + 1);
  };
  const rows = new Map<string, Message[]>();
  for (const c of convs) rows.set(c, await allRows(store, c));
  const ackedList = [...acked];
  const claims = (conv: string, seq: number) => ackedList.filter((a) => a.send.conv === conv && a.seq === seq).map((a) => `${a.send.user}/${a.send.clientId} ${a.id}`).join(', ') || 'no ack';
  const byId = new Map<string, Message>();
  const byClient = new Map<string, number>();
  let stored = 0;
  let gaps = 0;
  for (const [c, list] of rows) {
    stored += list.length;
    const seqs = new Set(list.map((m) => m.seq));
    const max = Math.max(0, ...seqs);
    for (let s = 1; s <= max; s++) if (!seqs.has(s)) {
      gaps++;
      // what the change log says held this seq (a message accepted there and never stored, or moved)
      const logged = await store.db.selectFrom('changes').select(['cursor', 'json']).where('conversation_id', '=', c)
        .where('json', 'like', `%"seq":${s},%`).orderBy('cursor').execute();
      note(`gap: ${c} seq ${s} (acked with that seq: ${claims(c, s)}; changes naming it: ${logged.map((r) => `${r.cursor} ${r.json.slice(0, 160)}`).join(' | ') || 'none'})`);
    }
    for (const m of list) {
      byId.set(m.id, m);
      if (m.client_id !== null) byClient.set(`${m.sender}\n${m.client_id}`, (byClient.get(`${m.sender}\n${m.client_id}`) ?? 0) + 1);
    }
  }
  let nAcked = 0;
  let lost = 0;
  for (const a of ackedList) {
    nAcked++;
    const m = byId.get(a.id);
    if (!m || m.seq !== a.seq || m.conversation_id !== a.send.conv || m.client_id !== a.send.clientId) {
      lost++;
      const holder = rows.get(a.send.conv)?.find((r) => r.seq === a.seq);
      note(`lost: ${a.send.user}/${a.send.clientId} acked (${a.status}) as ${a.id} seq ${a.seq}; stored ${m ? `at seq ${m.seq}` : 'nowhere'}; seq ${a.seq} holds ${holder ? `${holder.id} (${holder.sender}/${holder.client_id})` : 'nothing'}`);
    }
  }
  let duplicated = 0;
  for (const [k, n] of byClient) if (n > 1) {
    duplicated++;
    const [sender, clientId] = k.split('\n');
    const copies = [...rows.values()].flat().filter((m) => m.sender === sender && m.client_id === clientId);
    note(`duplicated ×${n}: ${sender}/${clientId} stored as ${copies.map((m) => `${m.id} seq ${m.seq}`).join(', ')}`);
  }
  let tierMismatches = 0;
  const tiers = new Map<string, number>();
  for (const c of convs) {
    const want = new Map((rows.get(c) ?? []).map((m) => [m.seq, messageJson(m)]));
    const pages = [];
    for (const r of readers) pages.push(await allPages(r.url, r.token, c, tiers));
    const seqs = new Set([...want.keys(), ...pages.flatMap((p) => [...p.keys()])]);
    for (const s of seqs) {
      const w = want.get(s);
      if (pages.some((p) => p.get(s) !== w)) {
        tierMismatches++;
        note(`tier mismatch ${c} seq ${s}: store ${w} vs ${pages.map((p) => p.get(s)).join(' | ')}`);
      }
    }
  }
  return {
    counts: { acked: nAcked, stored, lost, duplicated, gaps, tier_mismatches: tierMismatches },
    tiers: [...tiers].map(([t, n]) => `${t}:${n}`).join(','),
    examples,
  };
}

/** Prints the drill's one line (counts first, then the extras) and returns it. */
export function report(n: number, name: string, c: Counts, extras: Record<string, string | number> = {}): string {
  const line = `drill ${n} ${name}: acked=${c.acked} stored=${c.stored} lost=${c.lost} duplicated=${c.duplicated} gaps=${c.gaps} tier_mismatches=${c.tier_mismatches}`
    + Object.entries(extras).map(([k, v]) => ` ${k}=${v}`).join('');
  console.log(line);
  return line;
}
