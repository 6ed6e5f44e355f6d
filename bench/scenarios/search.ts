// Scenario "search": full-text search, threads and their indexes on the embedded SQLite store
// (memory hot tier) and on PostgreSQL (Valkey hot tier), over a corpus of 1,000,000 messages in
// 1,000 conversations (quick: 20,000 in 100) written through the persist path, the oldest 10 %
// archived to Parquet. Per engine, one job in a child process of its own (bench/lib/search-job.ts;
// corpus: bench/lib/search-corpus.ts) measures:
//   - what the index writes cost the persist path: applyChanges rows/s with search documents
//     (the default) beside the same rows with SqlStoreOptions.searchIndex = false, and beside
//     the same texts without replies and mentions (no thread or mention rows either);
//   - SearchService latency (a common word, a rare word, a phrase; one conversation and the
//     searcher's 100; sort=relevance and sort=time) beside the same query straight against the
//     engine (FTS5 MATCH joined to search_docs / tsv @@ tsquery, the first 20 rows);
//   - the same service limited to the archived 10 % beside DuckDB scanning its Parquet files
//     (read_parquet + regexp_matches on text);
//   - ThreadService.replies for a thread in the hot ring, the warm store and the archive beside
//     one direct read of the same messages from that tier.
// Checked: the service's whole answer equals the engine's matches after the same matcher (and
// DuckDB's for the archive), the first relevance page equals the engine's ranked the same way,
// the search table stays empty with the option off, every thread page is complete and settled.
// Latency figures are single-client (one request at a time); ratio > 1 means slower.
import os from 'node:os';
import type { Ctx, StackWorld } from '../lib/context.js';
import { runJob } from '../lib/proc.js';
import type { SearchJob, SearchJobResult } from '../lib/search-job.js';

const ms = (v: number) => `${v.toFixed(v < 10 ? 2 : 1)} ms`;

export async function searchScenario(ctx: Ctx, _sw: StackWorld): Promise<void> {
  for (const engine of ['sqlite', 'postgres'] as const) {
    const job: SearchJob = {
      engine, pgUrl: ctx.pgUrl, redisUrl: ctx.redisUrl, seed: ctx.seed,
      messages: ctx.q(1_000_000, 20_000), conversations: ctx.q(1000, 100), memberConvs: ctx.q(100, 20),
      indexRows: ctx.q(100_000, 5_000), iterations: ctx.q(100, 6), capMs: ctx.q(30_000, 2_000), ring: ctx.q(500, 40),
      writers: engine === 'postgres' ? 4 : 1,
    };
    const r = await runJob<SearchJob, SearchJobResult>('lib/search-job.ts', job, ctx.q(90, 15) * 60_000);
    report(ctx, r);
  }
  ctx.res.add({ scenario: 'search', subject: 'machine', metric: 'load average (1 min) at the end', value: os.loadavg()[0], unit: '', note: `${os.cpus().length} cores; other jobs share them` });
}

function report(ctx: Ctx, r: SearchJobResult): void {
  const S = 'search';
  const L = r.label;
  const add = ctx.res.add.bind(ctx.res);
  for (const c of r.checks) ctx.res.check(S, `${r.engine}: ${c.name}`, c.ok, c.detail);

  // index cost on the persist path
  const ic = r.indexCost;
  const pct = (a: number, b: number) => `${((1 - a / b) * 100).toFixed(0)} %`;
  add({ scenario: S, subject: `${L} applyChanges, no search documents, data without replies/mentions`, metric: 'rows/s (batches of 500, fresh store)', value: ic.bare, unit: '/s', note: `${ic.rows} rows; load ${ic.load}` });
  add({ scenario: S, subject: `${L} applyChanges, searchIndex off (thread + mention rows only)`, metric: 'rows/s (batches of 500, fresh store)', value: ic.off, unit: '/s',
    baseline: { subject: 'no replies/mentions either', value: ic.bare }, note: `thread and mention rows cost ${pct(ic.off, ic.bare)}` });
  add({ scenario: S, subject: `${L} applyChanges + search documents (default)`, metric: 'rows/s (batches of 500, fresh store)', value: ic.on, unit: '/s',
    baseline: { subject: 'same rows, searchIndex off', value: ic.off },
    note: `search documents cost ${pct(ic.on, ic.off)} of persist throughput (${pct(ic.on, ic.bare)} with the thread/mention rows)${ic.on < ic.off ? ' — slower than without' : ''}` });
  add({ scenario: S, subject: `${L} corpus load (applyChanges, ${r.corpus.writers} writer${r.corpus.writers > 1 ? 's' : ''}, growing to ${r.corpus.rows} rows)`, metric: 'rows/s', value: r.corpus.rows / r.corpus.seconds, unit: '/s',
    note: `${r.corpus.seconds.toFixed(0)} s; ${r.corpus.conversations} conversations × ${r.corpus.perConv}; searcher in ${r.corpus.searcherConvs}; load ${r.corpus.load}` });
  add({ scenario: S, subject: `${L} archiver run (keep-last policy) → Parquet, local dir`, metric: 'rows/s', value: r.archive.rows / r.archive.seconds, unit: '/s',
    note: `${r.archive.rows} rows in ${r.archive.files} files (${(r.archive.bytes / r.archive.rows).toFixed(0)} B/row); load ${r.archive.load}` });

  // search latency beside the engine alone
  for (const q of r.queries) {
    const worse = q.service.p99 / q.engine.p99;
    add({
      scenario: S, subject: `${L} SearchService: ${q.kind} ${q.q}, ${q.scope}, sort=${q.sort}`, metric: 'p99 latency', value: q.service.p99, unit: 'ms',
      baseline: { subject: `engine alone (${q.sort === 'time' ? 'newest 20' : 'its own rank, 20'})`, value: q.engine.p99 },
      note: `p50 ${ms(q.service.p50)} vs ${ms(q.engine.p50)}; ${worse > 1 ? `${worse.toFixed(1)}× slower than the engine alone` : 'not slower than the engine alone'}; `
        + `${q.matches.toFixed(0)} matches; ${q.archivedInPage.toFixed(1)} of the page read from the archive; n=${q.service.n}; load ${q.load}; candidate query plan: ${q.plan}`,
    });
    ctx.res.latency.push({ scenario: S, subject: `${r.engine} ${q.kind} ${q.scope === 'one conversation' ? '1 conv' : 'all'} ${q.sort}`, p50: q.service.p50, p99: q.service.p99 });
  }
  for (const q of r.archived) {
    const ratio = q.service.p99 / q.duckdb.p99;
    add({
      scenario: S, subject: `${L} SearchService over the archived 10 % (before=cut): ${q.kind} ${q.q}, ${q.scope}, sort=time`, metric: 'p99 latency', value: q.service.p99, unit: 'ms',
      baseline: { subject: `DuckDB read_parquet regexp, ${q.files.toFixed(q.files < 10 ? 1 : 0)} file(s)`, value: q.duckdb.p99 },
      note: `p50 ${ms(q.service.p50)} vs ${ms(q.duckdb.p50)}; ${ratio > 1 ? `${ratio.toFixed(1)}× slower than scanning the archive` : 'faster than scanning the archive'}; ${q.matches.toFixed(q.matches < 10 ? 1 : 0)} archived matches; n=${q.service.n}; load ${q.load}`,
    });
  }
  for (const t of r.threads) {
    const ratio = t.service.p99 / t.direct.p99;
    const tier = t.tier === 'hot' ? 'hot ring' : t.tier === 'warm' ? 'warm store' : 'archive';
    add({
      scenario: S, subject: `${L} ThreadService.replies, replies in the ${tier} (${t.page} of ${t.replies})`, metric: 'p99 latency', value: t.service.p99, unit: 'ms',
      baseline: { subject: `one read of their span from the ${tier}`, value: t.direct.p99 },
      note: `p50 ${ms(t.service.p50)} vs ${ms(t.direct.p50)}; ${ratio > 1 ? `${ratio.toFixed(1)}× slower than the direct read` : 'not slower than the direct read'}; n=${t.service.n}; load ${t.load}`,
    });
    ctx.res.latency.push({ scenario: S, subject: `${r.engine} thread page ${t.tier}`, p50: t.service.p50, p99: t.service.p99 });
  }
}
