// The "search" scenario's job (a child process of its own, one per engine: bench/scenarios/
// search.ts runs it for SQLite and for PostgreSQL). Everything goes through Strata's own code:
//   1. index cost: the same first rows of the corpus applied by SqlStore.applyChanges (the
//      persist worker's call) to three fresh stores — search documents on (the default), off
//      (SqlStoreOptions.searchIndex = false), and off with the replies and mentions stripped
//      from the data (no thread or mention rows either) — in alternating blocks, so a change of
//      the machine's load hits every arm alike;
//   2. the corpus (search-corpus.ts) through applyChanges into a fresh store;
//   3. the oldest 10 % moved to Parquet by the archiver's run (archive-run.ts, a keep-last
//      retention policy) on a local directory;
//   4. search latency through SearchService (buildServices, as the app wires it; SQLite with the
//      memory hot tier, PostgreSQL with Valkey), beside the engine queried directly (FTS5 MATCH
//      / tsquery) and, for the archived part, DuckDB scanning the Parquet files; with each
//      figure the engine's plan of a replica of the service's candidate query (sql-search.ts);
//   5. thread pages through ThreadService.replies for threads in the ring, the warm store and
//      the archive, beside one direct read of the same messages from that tier.
// Correctness is checked on the way; the checks go back with the figures.
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { sql } from 'kysely';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { Archive } from '../../src/archive/archive.js';
import { runArchive } from '../../src/archive/archive-run.js';
import { LocalObjectStore } from '../../src/archive/local-object-store.js';
import { hs256Verifier } from '../../src/auth/tokens.js';
import { testConfig } from '../../src/config.js';
import type { Deps } from '../../src/deps.js';
import { createMetrics } from '../../src/http/metrics.js';
import { createHotAdapters, createStore, sqlAdapters, type HotAdapters } from '../../src/main/wire.js';
import { seedFromStore } from '../../src/messages/ingest.js';
import { matches, parseQuery, score, type Term } from '../../src/search/query.js';
import { buildServices } from '../../src/services.js';
import type { SqlStore } from '../../src/store/sql/sql-store.js';
import type { ThreadStore } from '../../src/store/thread-store.js';
import { Corpus, SEARCHER, conversationIndex, phraseWords, stripped, type Batch, type CorpusSpec } from './search-corpus.js';
import { isMain, serveJob } from './proc.js';
import { summarize } from './stats.js';

export interface SearchJob {
  engine: 'sqlite' | 'postgres';
  pgUrl: string;
  redisUrl: string;
  seed: number;
  messages: number;
  conversations: number;
  memberConvs: number;
  /** Rows per arm of the index-cost measurement. */
  indexRows: number;
  /** Samples per latency figure (fewer if `capMs` runs out first, never fewer than minSamples). */
  iterations: number;
  capMs: number;
  /** config.recentLimit: the hot ring. */
  ring: number;
  /** Concurrent applyChanges writers while loading the corpus (disjoint conversations, like partitions). */
  writers: number;
}

export interface Lat {
  p50: number;
  p99: number;
  n: number;
}

export interface QueryFigure {
  kind: string;
  q: string;
  scope: string;
  sort: 'relevance' | 'time';
  service: Lat;
  engine: Lat;
  /** Matches in the scope (for one conversation: the mean over the conversations checked). */
  matches: number;
  /** Of the first page's results, how many were read from the archive (mean). */
  archivedInPage: number;
  /** The plan of the service's candidate query (engine.plan). */
  plan: string;
  load: number;
}

export interface ArchiveFigure {
  kind: string;
  q: string;
  scope: string;
  service: Lat;
  duckdb: Lat;
  matches: number;
  files: number;
  load: number;
}

export interface ThreadFigure {
  tier: 'hot' | 'warm' | 'cold';
  replies: number;
  page: number;
  service: Lat;
  direct: Lat;
  load: number;
}

export interface SearchJobResult {
  engine: 'sqlite' | 'postgres';
  label: string;
  indexCost: { rows: number; on: number; off: number; bare: number; load: number };
  corpus: { rows: number; seconds: number; writers: number; load: number; conversations: number; searcherConvs: number; perConv: number };
  archive: { rows: number; seconds: number; files: number; bytes: number; load: number };
  words: { common: string; commonDf: number; rare: string; rareDf: number; phrase: string };
  queries: QueryFigure[];
  archived: ArchiveFigure[];
  threads: ThreadFigure[];
  checks: { name: string; ok: boolean; detail: string }[];
}

const SECRET = 'bench-search-secret-0123456789-0123456789';
const BATCH = 500; // config.persistBatch's default: what a persist worker applies at once
const PAGE = 20; // the search API's default limit
const MIN_SAMPLES = 20;
const load1 = () => Math.round(os.loadavg()[0] * 100) / 100;
const log = (msg: string) => process.stderr.write(`[bench search ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);

// --- stores -----------------------------------------------------------------------------------

interface Opened {
  store: SqlStore;
  threads: ThreadStore;
  /** SQLite file or PostgreSQL schema. */
  where: string;
  drop(): Promise<void>;
}

async function openStore(job: SearchJob, tmp: string, name: string, searchIndex: boolean): Promise<Opened> {
  if (job.engine === 'sqlite') {
    const file = path.join(tmp, `${name}.db`);
    const store = await createStore(`sqlite:${file}`, { searchIndex });
    return {
      store, threads: sqlAdapters(store).threads, where: file,
      async drop() {
        await store.close().catch(() => undefined);
        for (const f of [file, `${file}-wal`, `${file}-shm`]) fs.rmSync(f, { force: true });
      },
    };
  }
  const schema = `bench_search_${name}_${process.pid}`;
  const store = await createStore(job.pgUrl, { schema, searchIndex, poolSize: Math.max(4, job.writers + 2) });
  return {
    store, threads: sqlAdapters(store).threads, where: schema,
    async drop() {
      await store.close().catch(() => undefined);
      const c = new pg.Client({ connectionString: job.pgUrl });
      await c.connect();
      try {
        await c.query(`drop schema if exists ${schema} cascade`);
      } finally {
        await c.end();
      }
    },
  };
}

async function count(store: SqlStore, what: string): Promise<number> {
  const r = await sql<{ n: number | string }>`select count(*) as n from ${sql.raw(what)}`.execute(store.db);
  return Number(r.rows[0].n);
}

/** One persist batch: the send path opened the new threads before their replies were accepted (untimed); then applyChanges, timed. */
async function apply(o: Opened, b: Batch): Promise<number> {
  for (const r of b.newRoots) await o.threads.openThread(r);
  const t = performance.now();
  const res = await o.store.applyChanges(b.changes);
  const ms = performance.now() - t;
  if (res.applied !== b.changes.length || res.collisions.length) throw new Error(`applyChanges applied ${res.applied} of ${b.changes.length}, ${res.collisions.length} collisions`);
  return ms;
}

// --- the engines, queried directly ------------------------------------------------------------

interface Doc {
  conversation_id: string;
  seq: number;
  created_at: string;
  words: string;
}

interface EngineQuery {
  words: string[];
  phrase: boolean;
}

interface DirectEngine {
  label: string;
  /** Every document the engine matches in these conversations, newest first (created_at, conversation, seq). */
  all(q: EngineQuery, convIds: string[], before?: string): Promise<Doc[]>;
  /** The engine's own first page: newest first, or by its own ranking (FTS5 bm25 / ts_rank). */
  top(q: EngineQuery, convIds: string[], sort: 'relevance' | 'time', limit: number): Promise<number>;
  /** The plan of the service's candidate query (a replica of sql-search.ts: first batch, newest first), in one line. */
  plan(q: EngineQuery, convIds: string[]): Promise<string>;
  close(): Promise<void>;
}

function sqliteEngine(file: string): DirectEngine {
  const db = new Database(file, { readonly: true });
  const stmts = new Map<string, Database.Statement>();
  const prep = (key: string, text: string) => stmts.get(key) ?? stmts.set(key, db.prepare(text)).get(key)!;
  const match = (q: EngineQuery) => `"${q.words.join(' ')}"`;
  const from = 'from search_fts join search_docs d on d.id = search_fts.rowid where search_fts match ?';
  return {
    label: 'SQLite FTS5 MATCH ⋈ search_docs',
    async all(q, convIds, before) {
      const s = prep(`all ${convIds.length} ${!!before}`, `select d.conversation_id, d.seq, d.created_at, d.words ${from}
        and d.conversation_id in (${convIds.map(() => '?').join(',')}) ${before ? 'and d.created_at < ?' : ''}
        order by d.created_at desc, d.conversation_id desc, d.seq desc`);
      return s.all(match(q), ...convIds, ...(before ? [before] : [])) as Doc[];
    },
    async top(q, convIds, sort, limit) {
      const order = sort === 'time' ? 'd.created_at desc, d.conversation_id desc, d.seq desc' : 'search_fts.rank';
      const s = prep(`top ${convIds.length} ${sort}`, `select d.conversation_id, d.seq, d.created_at, d.words ${from}
        and d.conversation_id in (${convIds.map(() => '?').join(',')}) order by ${order} limit ?`);
      return s.all(match(q), ...convIds, limit).length;
    },
    async plan(q, convIds) {
      const rows = db.prepare(`explain query plan select d.conversation_id, d.seq, d.message_id, d.sender, d.thread_id, d.created_at, d.words from search_docs as d
        where d.conversation_id in (${convIds.map(() => '?').join(',')}) and d.id in (select rowid from search_fts where search_fts match ?)
        order by d.created_at desc, d.conversation_id desc, d.seq desc limit 200`).all(...convIds, match(q)) as { detail: string }[];
      return rows.map((r) => r.detail).join('; ');
    },
    async close() {
      db.close();
    },
  };
}

function postgresEngine(url: string, schema: string): DirectEngine {
  const pool = new pg.Pool({ connectionString: url, max: 2, options: `-c search_path=${schema}` });
  const tsq = (q: EngineQuery) => (q.phrase ? `phraseto_tsquery('simple', $1)` : `to_tsquery('simple', $1)`);
  const iso = (v: Date | string) => (typeof v === 'string' ? v : v.toISOString());
  return {
    label: "PostgreSQL tsv @@ tsquery('simple')",
    async all(q, convIds, before) {
      const r = await pool.query(`select conversation_id, seq, created_at, words from search_docs where tsv @@ ${tsq(q)} and conversation_id = any($2)
        ${before ? 'and created_at < $3' : ''} order by created_at desc, conversation_id desc, seq desc`, [q.words.join(' '), convIds, ...(before ? [before] : [])]);
      return r.rows.map((x) => ({ conversation_id: x.conversation_id, seq: Number(x.seq), created_at: iso(x.created_at), words: x.words }));
    },
    async top(q, convIds, sort, limit) {
      const order = sort === 'time' ? 'created_at desc, conversation_id desc, seq desc' : `ts_rank(tsv, ${tsq(q)}) desc`;
      const r = await pool.query(`select conversation_id, seq, created_at, words from search_docs where tsv @@ ${tsq(q)} and conversation_id = any($2)
        order by ${order} limit $3`, [q.words.join(' '), convIds, limit]);
      return r.rowCount ?? 0;
    },
    async plan(q, convIds) {
      const r = await pool.query(`explain (format json) select d.conversation_id, d.seq, d.message_id, d.sender, d.thread_id, d.created_at, d.words from search_docs as d
        where d.conversation_id in (${convIds.map((_, i) => `$${i + 2}`).join(', ')}) and d.tsv @@ phraseto_tsquery('simple', $1)
        order by d.created_at desc, d.conversation_id desc, d.seq desc limit 200`, [q.words.join(' '), ...convIds]);
      type Node = { 'Node Type': string; 'Index Name'?: string; Plans?: Node[] };
      const walk = (n: Node): string => `${n['Node Type']}${n['Index Name'] ? ` on ${n['Index Name']}` : ''}${n.Plans?.length ? ` < ${n.Plans.map(walk).join(' + ')}` : ''}`;
      return walk((r.rows[0]['QUERY PLAN'] as { Plan: Node }[])[0].Plan);
    },
    async close() {
      await pool.end();
    },
  };
}

// --- timing -----------------------------------------------------------------------------------

/** Alternates a and b (order flipped every iteration) until `iterations` each or the cap; warms both up first. */
async function race(job: SearchJob, a: (i: number) => Promise<unknown>, b: (i: number) => Promise<unknown>): Promise<[Lat, Lat]> {
  for (let i = 0; i < 2; i++) {
    await a(i);
    await b(i);
  }
  const ta: number[] = [];
  const tb: number[] = [];
  const started = performance.now();
  for (let i = 0; i < job.iterations; i++) {
    if (i >= MIN_SAMPLES && performance.now() - started > job.capMs) break;
    for (const [f, out] of (i % 2 ? [[b, tb], [a, ta]] : [[a, ta], [b, tb]]) as [(i: number) => Promise<unknown>, number[]][]) {
      const t = performance.now();
      await f(i);
      out.push(performance.now() - t);
    }
  }
  const lat = (v: number[]): Lat => {
    const s = summarize(v);
    return { p50: s.p50, p99: s.p99, n: s.n };
  };
  return [lat(ta), lat(tb)];
}

const key = (d: { conversation_id: string; seq: number }) => `${d.conversation_id}/${d.seq}`;

function newestFirst(a: Doc, b: Doc): number {
  if (a.created_at !== b.created_at) return a.created_at < b.created_at ? 1 : -1;
  if (a.conversation_id !== b.conversation_id) return a.conversation_id < b.conversation_id ? 1 : -1;
  return b.seq - a.seq;
}

function firstDiff(a: string[], b: string[]): string {
  const i = a.findIndex((x, k) => x !== b[k]);
  return i < 0 ? (a.length === b.length ? 'none' : `lengths ${a.length} vs ${b.length}`) : `at ${i}: ${a[i]} vs ${b[i] ?? '(none)'}`;
}

// --- the job ----------------------------------------------------------------------------------

async function run(job: SearchJob): Promise<SearchJobResult> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), `strata-bench-search-${job.engine}-`));
  const checks: SearchJobResult['checks'] = [];
  const check = (name: string, ok: boolean, detail: string) => {
    checks.push({ name, ok, detail });
    if (!ok) log(`CHECK FAILED ${name}: ${detail}`);
  };
  const spec: CorpusSpec = { messages: job.messages, conversations: job.conversations, memberConvs: job.memberConvs, seed: job.seed, ring: job.ring, archivedFraction: 0.1 };
  const opened: Opened[] = [];
  const closers: (() => Promise<unknown>)[] = [];
  try {
    // 1. Index cost on the persist path.
    log(`${job.engine}: index cost, ${job.indexRows} rows per arm`);
    const arms = [
      { name: 'on', o: await openStore(job, tmp, 'idx_on', true), ms: 0, strip: false },
      { name: 'off', o: await openStore(job, tmp, 'idx_off', false), ms: 0, strip: false },
      { name: 'bare', o: await openStore(job, tmp, 'idx_bare', false), ms: 0, strip: true },
    ];
    opened.push(...arms.map((a) => a.o));
    const idxCorpus = new Corpus(spec);
    for (const a of arms) for (const c of idxCorpus.convs) await a.o.store.createConversation(c);
    let rows = 0;
    const loads: number[] = [];
    for (let block = 0; rows < job.indexRows; block++) {
      const batches: Batch[] = [];
      for (let k = 0; k < 10 && rows < job.indexRows; k++) {
        const b = idxCorpus.batch(Math.min(BATCH, job.indexRows - rows));
        batches.push(b);
        rows += b.messages.length;
      }
      const bare = batches.map(stripped);
      for (let k = 0; k < arms.length; k++) {
        const a = arms[(block + k) % arms.length];
        for (const b of a.strip ? bare : batches) a.ms += await apply(a.o, b);
      }
      loads.push(os.loadavg()[0]);
    }
    const [on, off, bareArm] = arms;
    const docs = await Promise.all(arms.map((a) => count(a.o.store, 'search_docs')));
    const replies = await Promise.all(arms.map((a) => count(a.o.store, 'thread_replies')));
    const mentions = await Promise.all(arms.map((a) => count(a.o.store, 'mentions')));
    const msgs = await Promise.all(arms.map((a) => count(a.o.store, 'messages')));
    let ftsOff = 0;
    if (job.engine === 'sqlite') {
      const [common] = idxCorpus.vocabulary.words;
      ftsOff = Number((await sql<{ n: number }>`select count(*) as n from search_fts where search_fts match ${`"${common}"`}`.execute(off.o.store.db)).rows[0].n);
    }
    check('index cost: every arm stored every row', msgs.every((n) => n === rows), `messages ${msgs.join(' / ')} of ${rows}`);
    check('index cost: searchIndex off writes no search document (search_docs empty; FTS5 finds nothing)', docs[1] === 0 && docs[2] === 0 && ftsOff === 0,
      `search_docs on/off/bare = ${docs.join(' / ')}${job.engine === 'sqlite' ? `; FTS5 matches in the off store: ${ftsOff}` : ''}`);
    check('index cost: searchIndex on writes one document per message with text', docs[0] === rows, `${docs[0]} documents for ${rows} messages (all have text)`);
    check('index cost: thread and mention rows written alike with search documents on and off (none in the bare arm)',
      replies[0] === replies[1] && mentions[0] === mentions[1] && replies[0] === idxCorpus.totals.replies && mentions[0] === idxCorpus.totals.mentions && replies[2] === 0 && mentions[2] === 0,
      `thread_replies ${replies.join(' / ')}, mentions ${mentions.join(' / ')} (generated: ${idxCorpus.totals.replies} replies, ${idxCorpus.totals.mentions} mentions)`);
    const indexCost = { rows, on: rows / (on.ms / 1000), off: rows / (off.ms / 1000), bare: rows / (bareArm.ms / 1000), load: Math.round((loads.reduce((s, x) => s + x, 0) / loads.length) * 100) / 100 };
    for (const a of arms) await a.o.drop();
    opened.length = 0;

    // 2. The corpus.
    log(`${job.engine}: corpus of ${job.messages} messages over ${job.conversations} conversations, ${job.writers} writer(s)`);
    const main = await openStore(job, tmp, 'corpus', true);
    opened.push(main);
    const { store } = main;
    const corpus = new Corpus(spec);
    for (const c of corpus.convs) await store.createConversation(c);
    let loadMs = 0;
    let loaded = 0;
    const loadStart = os.loadavg()[0];
    while (!corpus.done) {
      const round = corpus.batch(BATCH * job.writers);
      loaded += round.messages.length;
      const parts: Batch[] = Array.from({ length: job.writers }, () => ({ messages: [], changes: [], newRoots: [] }));
      round.changes.forEach((c, i) => {
        const p = parts[conversationIndex(c.conversation_id) % job.writers];
        p.changes.push(c);
        p.messages.push(round.messages[i]);
      });
      for (const r of round.newRoots) parts[conversationIndex(r.conversation_id) % job.writers].newRoots.push(r);
      for (const p of parts) for (const r of p.newRoots) await main.threads.openThread(r);
      const t = performance.now();
      await Promise.all(parts.filter((p) => p.changes.length).map((p) => apply(main, { ...p, newRoots: [] })));
      loadMs += performance.now() - t;
      if (loaded % 100_000 < BATCH * job.writers) log(`${job.engine}: ${loaded} rows loaded, ${(loaded / (loadMs / 1000)).toFixed(0)} rows/s`);
    }
    const corpusFig = {
      rows: loaded, seconds: loadMs / 1000, writers: job.writers, load: Math.round(((loadStart + os.loadavg()[0]) / 2) * 100) / 100,
      conversations: job.conversations, searcherConvs: corpus.searcherConvs.length, perConv: corpus.perConv,
    };
    const [nMsgs, nDocs, nReplies, nMentions] = await Promise.all(['messages', 'search_docs', 'thread_replies', 'mentions'].map((t) => count(store, t)));
    const replyCount = Number((await sql<{ n: number | string | null }>`select sum(reply_count) as n from threads`.execute(store.db)).rows[0].n ?? 0);
    check('corpus: every message stored and indexed once (messages, search documents, thread replies and counts, mentions)',
      nMsgs === loaded && nDocs === loaded && nReplies === corpus.totals.replies && replyCount === corpus.totals.replies && nMentions === corpus.totals.mentions,
      `${nMsgs} messages, ${nDocs} search documents of ${loaded}; thread_replies ${nReplies}, sum(reply_count) ${replyCount} of ${corpus.totals.replies}; mentions ${nMentions} of ${corpus.totals.mentions}; ${corpus.totals.cjk} CJK texts, ${corpus.totals.phrases} planted phrases`);
    if (job.engine === 'postgres') await sql`analyze`.execute(store.db); // what autovacuum does after a bulk load, done now rather than whenever it runs

    // 3. The oldest 10 % to Parquet, by the archiver's own run (retention: keep the newest 90 % of every conversation).
    const archivedPerConv = Math.floor(corpus.perConv * 0.1);
    log(`${job.engine}: archiving seqs 1..${archivedPerConv} of every conversation`);
    const adapters = sqlAdapters(store);
    const archiveDir = path.join(tmp, 'archive');
    const archive = new Archive(new LocalObjectStore(archiveDir));
    closers.push(() => archive.close());
    const aStart = performance.now();
    const aLoad = os.loadavg()[0];
    const outcome = await runArchive(archive, adapters.archiveSource, adapters.leases, { policy: { days: 0, keepLast: corpus.perConv - archivedPerConv } }, { waitForLease: true });
    const aSecs = (performance.now() - aStart) / 1000;
    const archivedRows = outcome.progress.rows_archived;
    const manifests = await Promise.all(corpus.convs.map((c) => archive.manifest(c.id)));
    const files = manifests.flatMap((m) => m.files.map((f) => ({ conversation: m.conversation_id, file: path.join(archiveDir, ...f.key.split('/')), bytes: f.bytes })));
    const [warmLeft, docsLeft] = await Promise.all([count(store, 'messages'), count(store, 'search_docs')]);
    check('archive: the oldest 10 % archived, their warm rows deleted, their search documents kept',
      outcome.errors.length === 0 && archivedRows === job.conversations * archivedPerConv && manifests.every((m) => m.archived_through === archivedPerConv)
        && warmLeft === loaded - archivedRows && docsLeft === loaded,
      `${archivedRows} archived (${outcome.errors.length} errors${outcome.errors[0] ? `: ${outcome.errors[0].error}` : ''}), ${files.length} files; warm messages ${warmLeft}, search documents ${docsLeft}`);
    const archiveFig = { rows: archivedRows, seconds: aSecs, files: files.length, bytes: files.reduce((s, f) => s + f.bytes, 0), load: Math.round(((aLoad + os.loadavg()[0]) / 2) * 100) / 100 };

    // The services, wired as the app wires them.
    const config = testConfig({ authJwtSecret: SECRET, rateLimit: 0, recentLimit: job.ring });
    const hot: HotAdapters = job.engine === 'sqlite'
      ? await createHotAdapters({ ...config, valkeyUrl: undefined })
      : await createHotAdapters(config, { url: job.redisUrl, prefix: `benchsearch${process.pid}` });
    closers.unshift(() => hot.close());
    const deps: Deps = {
      config, store, receipts: adapters.receipts, reactions: adapters.reactions, threads: adapters.threads, search: adapters.search, pins: adapters.pins,
      hot: hot.hot, rate: hot.hot, log: hot.hot, fanout: hot.fanout, presence: hot.presence, auth: hs256Verifier(SECRET), metrics: createMetrics(),
      persisted: new EventEmitter().setMaxListeners(0), archive, archiving: { source: adapters.archiveSource, leases: adapters.leases },
    };
    const services = buildServices(deps, { warn: (o, m) => log(`service warning: ${m ?? ''} ${JSON.stringify(o)}`) });
    closers.unshift(() => services.close());
    const mine = corpus.searcherConvs.map((i) => corpus.convs[i].id);
    // the searcher's conversations are live: their counters and rings are in the hot tier, as after any send
    for (const id of mine) await seedFromStore(deps, id);
    const engine = job.engine === 'sqlite' ? sqliteEngine(main.where) : postgresEngine(job.pgUrl, main.where);
    closers.unshift(() => engine.close());

    // the words: the one nearest 15 % of the searcher's messages, the one nearest 0.2 %, the planted phrase
    const nearest = (share: number) => {
      let best = 0;
      for (let r = 1; r < corpus.df.length; r++) {
        if (corpus.df[r] > 0 && Math.abs(corpus.df[r] / corpus.totals.searcherMessages - share) < Math.abs(corpus.df[best] / corpus.totals.searcherMessages - share)) best = r;
      }
      return best;
    };
    const [cRank, rRank] = [nearest(0.15), nearest(0.002)];
    const [p0, p1] = phraseWords(corpus.vocabulary);
    const kinds = [
      { kind: 'common word', q: corpus.vocabulary.words[cRank], eq: { words: [corpus.vocabulary.words[cRank]], phrase: false } },
      { kind: 'rare word', q: corpus.vocabulary.words[rRank], eq: { words: [corpus.vocabulary.words[rRank]], phrase: false } },
      { kind: 'phrase', q: `"${p0} ${p1}"`, eq: { words: [p0, p1], phrase: true } },
    ];
    const words = {
      common: kinds[0].q, commonDf: corpus.df[cRank] / corpus.totals.searcherMessages, rare: kinds[1].q, rareDf: corpus.df[rRank] / corpus.totals.searcherMessages, phrase: kinds[2].q,
    };
    const archivedThrough = new Map(manifests.map((m) => [m.conversation_id, m.archived_through]));
    const cutoff = Corpus.createdAt(job.conversations * archivedPerConv); // the first message not archived
    const search = (q: string, sort: 'relevance' | 'time', conv?: string, extra: { before?: string; cursor?: string; limit?: number } = {}) =>
      services.search.search(SEARCHER, { q, sort, conversation_id: conv, limit: extra.limit ?? PAGE, before: extra.before, cursor: extra.cursor });
    let unsettled = 0;
    const searchAll = async (q: string, conv?: string, before?: string) => {
      const out: string[] = [];
      let cursor: string | undefined;
      for (let pages = 0; pages < 100_000; pages++) {
        const r = await search(q, 'time', conv, { before, cursor, limit: 100 });
        if (!r.settled) unsettled++;
        for (const x of r.results) out.push(key(JSON.parse(x.message) as Doc));
        if (!r.next_cursor) break;
        cursor = r.next_cursor;
      }
      return out;
    };

    // Correctness first: the service's whole answer (sort=time, paged) is the engine's matches after the same matcher,
    // in the same order; its first relevance page is the engine's 1,000 newest matches ranked by the same score.
    const checkedConvs = mine.slice(0, 3);
    const matchesIn = new Map<string, number>();
    for (const k of kinds) {
      const terms: Term[] = parseQuery(k.q).terms;
      for (const scope of [{ name: `${mine.length} conversations`, ids: mine, conv: undefined as string | undefined }, ...checkedConvs.map((c) => ({ name: 'one conversation', ids: [c], conv: c }))]) {
        const raw = await engine.all(k.eq, scope.ids);
        const matched = raw.filter((d) => matches(d.words.split(' '), terms));
        const svc = await searchAll(k.q, scope.conv);
        const want = matched.map(key);
        const label = `${k.kind} ${JSON.stringify(k.q)} in ${scope.conv ? `conversation ${scope.conv.slice(-4)}` : scope.name}`;
        check(`search ${label}, sort=time: every result, in order, = the engine's matches after the same matcher`,
          svc.length === want.length && svc.every((x, i) => x === want[i]),
          `service ${svc.length}, engine ${raw.length} candidates → ${want.length} after the matcher; first difference: ${firstDiff(svc, want)}`);
        const ranked = matched.slice(0, 1000).map((d) => ({ d, s: score(d.words.split(' '), terms) })).sort((a, b) => b.s - a.s || newestFirst(a.d, b.d)).slice(0, PAGE);
        const rel = await search(k.q, 'relevance', scope.conv);
        const got = rel.results.map((x) => `${key(JSON.parse(x.message) as Doc)}@${x.score}`);
        const exp = ranked.map((x) => `${key(x.d)}@${x.s}`);
        check(`search ${label}, sort=relevance: first page = the engine's ${Math.min(1000, matched.length)} newest matches ranked by the same score`,
          got.length === exp.length && got.every((x, i) => x === exp[i]), `${got.length} results; first difference: ${firstDiff(got, exp)}`);
        matchesIn.set(`${k.kind} ${scope.conv ? 'one' : 'all'}`, (matchesIn.get(`${k.kind} ${scope.conv ? 'one' : 'all'}`) ?? 0) + want.length / (scope.conv ? checkedConvs.length : 1));
      }
    }
    // a CJK word, checked only: found through the dictionary segmentation the index used
    {
      const cjk = '会議';
      const raw = await engine.all({ words: [cjk], phrase: false }, mine);
      const want = raw.filter((d) => matches(d.words.split(' '), parseQuery(cjk).terms)).map(key);
      const svc = await searchAll(cjk);
      check(`search CJK word ${cjk} in ${mine.length} conversations: = the engine's matches after the matcher`, svc.length === want.length && want.length > 0 && svc.every((x, i) => x === want[i]),
        `service ${svc.length}, engine ${raw.length} → ${want.length}; first difference: ${firstDiff(svc, want)}`);
    }

    // 4. Latency: the service beside the engine alone, alternating.
    const queries: QueryFigure[] = [];
    for (const k of kinds) {
      for (const scope of ['one', 'all'] as const) {
        for (const sort of ['relevance', 'time'] as const) {
          log(`${job.engine}: ${k.kind} ${scope === 'one' ? 'one conversation' : `${mine.length} conversations`} sort=${sort}`);
          const conv = (i: number) => mine[i % mine.length];
          let archivedHits = 0;
          let pages = 0;
          const [service, direct] = await race(job,
            async (i) => {
              const r = await search(k.q, sort, scope === 'one' ? conv(i) : undefined);
              if (!r.settled) unsettled++;
              pages++;
              for (const x of r.results) {
                const m = JSON.parse(x.message) as Doc;
                if (m.seq <= (archivedThrough.get(m.conversation_id) ?? 0)) archivedHits++;
              }
            },
            (i) => engine.top(k.eq, scope === 'one' ? [conv(i)] : mine, sort, PAGE));
          queries.push({
            kind: k.kind, q: k.q, scope: scope === 'one' ? 'one conversation' : `${mine.length} conversations`, sort, service, engine: direct,
            matches: matchesIn.get(`${k.kind} ${scope}`) ?? NaN, archivedInPage: archivedHits / pages, plan: await engine.plan(k.eq, scope === 'one' ? [mine[0]] : mine), load: load1(),
          });
        }
      }
    }

    // 4b. The archived 10 %: the service limited to it (before = the archive's cut) beside DuckDB scanning its Parquet files.
    const duck = await DuckDBInstance.create(':memory:', { autoinstall_known_extensions: 'false', autoload_known_extensions: 'false' });
    const con: DuckDBConnection = await duck.connect();
    closers.unshift(async () => con.closeSync());
    const filesOf = (ids: string[]) => {
      const set = new Set(ids);
      return files.filter((f) => set.has(f.conversation)).map((f) => `'${f.file.replace(/'/g, "''")}'`).join(', ');
    };
    const regex = (eq: EngineQuery) => `(?i)\\b${eq.words.join('\\W+')}\\b`;
    const duckQuery = (eq: EngineQuery, ids: string[], limit?: number) =>
      `select conversation_id, seq from read_parquet([${filesOf(ids)}]) where regexp_matches(text, '${regex(eq)}')
       order by created_at desc, conversation_id desc, seq desc${limit ? ` limit ${limit}` : ''}`;
    const archived: ArchiveFigure[] = [];
    for (const k of kinds) {
      const terms = parseQuery(k.q).terms;
      const svc = await searchAll(k.q, undefined, cutoff);
      const viaDuck = (await con.runAndReadAll(duckQuery(k.eq, mine))).getRowObjectsJS().map((r) => key({ conversation_id: String(r.conversation_id), seq: Number(r.seq) }));
      const viaEngine = (await engine.all(k.eq, mine, cutoff)).filter((d) => matches(d.words.split(' '), terms)).map(key);
      const allArchived = svc.every((x) => Number(x.split('/')[1]) <= (archivedThrough.get(x.split('/')[0]) ?? 0));
      check(`archived 10 %: ${k.kind} ${JSON.stringify(k.q)} before the archive's cut: service = engine after the matcher = DuckDB regexp over the Parquet files`,
        allArchived && svc.length === viaEngine.length && svc.every((x, i) => x === viaEngine[i]) && viaDuck.length === svc.length && viaDuck.every((x, i) => x === svc[i]),
        `service ${svc.length} (${allArchived ? 'all archived' : 'NOT all archived'}), engine ${viaEngine.length}, DuckDB ${viaDuck.length}; first difference service/DuckDB: ${firstDiff(svc, viaDuck)}`);
      for (const scope of ['one', 'all'] as const) {
        log(`${job.engine}: archived part, ${k.kind} ${scope}`);
        const conv = (i: number) => mine[i % mine.length];
        const [service, duckdb] = await race(job,
          (i) => search(k.q, 'time', scope === 'one' ? conv(i) : undefined, { before: cutoff }),
          (i) => con.runAndReadAll(duckQuery(k.eq, scope === 'one' ? [conv(i)] : mine, PAGE)));
        archived.push({
          kind: k.kind, q: k.q, scope: scope === 'one' ? 'one conversation' : `${mine.length} conversations`, service, duckdb,
          matches: scope === 'one' ? svc.length / mine.length : svc.length, files: scope === 'one' ? files.length / job.conversations : filesOf(mine).split(',').length, load: load1(),
        });
      }
    }

    // 5. Thread pages from each tier.
    const threads: ThreadFigure[] = [];
    for (const p of corpus.planted) {
      const page = p.replySeqs.slice(-50);
      const r = await services.threads.replies(SEARCHER, p.rootId, {});
      const got = r.messages.map((j) => (JSON.parse(j) as Doc).seq);
      const [store0, ring0] = await Promise.all([store.listMessagesAt(p.conversationId, page), deps.hot.readRecent(p.conversationId, { afterSeq: page[0] - 1, limit: page[page.length - 1] - page[0] + 1 })]);
      const inRing = ring0 ? ring0.messages.length : 0;
      const tierOk = p.tier === 'hot' ? inRing === page[page.length - 1] - page[0] + 1
        : p.tier === 'warm' ? ring0 === null && store0.length === page.length
          : ring0 === null && store0.length === 0 && page[page.length - 1] <= (archivedThrough.get(p.conversationId) ?? 0);
      check(`thread page (${p.tier}): the newest ${page.length} of ${p.replySeqs.length} replies, in order, settled, with its reply count; the replies are in the ${p.tier === 'hot' ? 'hot ring' : p.tier === 'warm' ? 'warm store only' : 'archive only'}`,
        got.length === page.length && got.every((s, i) => s === page[i]) && r.settled && r.thread.reply_count === p.replySeqs.length && tierOk,
        `${got.length} replies (seqs ${got[0]}..${got[got.length - 1]}), reply_count ${r.thread.reply_count}, settled ${r.settled}; ring ${ring0 ? `${inRing} of the span` : 'does not cover it'}, warm rows ${store0.length}`);
      const direct = p.tier === 'hot'
        ? () => deps.hot.readRecent(p.conversationId, { afterSeq: page[0] - 1, limit: page[page.length - 1] - page[0] + 1 })
        : p.tier === 'warm' ? () => store.listMessagesAt(p.conversationId, page)
          : () => archive.readRange(p.conversationId, { afterSeq: page[0] - 1, limit: page[page.length - 1] - page[0] + 1 });
      log(`${job.engine}: thread page ${p.tier}`);
      const [service, d] = await race(job, () => services.threads.replies(SEARCHER, p.rootId, {}), direct);
      threads.push({ tier: p.tier, replies: p.replySeqs.length, page: page.length, service, direct: d, load: load1() });
    }
    check('every search and thread page answered settled (the warm store had applied what the hot tier handed out)', unsettled === 0, `${unsettled} unsettled answers`);

    return {
      engine: job.engine, label: job.engine === 'sqlite' ? 'SQLite (memory hot tier)' : 'PostgreSQL (Valkey hot tier)',
      indexCost, corpus: corpusFig, archive: archiveFig, words, queries, archived, threads, checks,
    };
  } finally {
    for (const c of closers) await c().catch(() => undefined);
    for (const o of opened) await o.drop().catch(() => undefined);
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

if (isMain(import.meta.url)) serveJob(run);
