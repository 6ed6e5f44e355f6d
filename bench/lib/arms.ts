// The runner of the same-run "arms" scenarios (integrations, moderation): one Strata process per
// arm, each on the run's Valkey + PostgreSQL (its own Valkey prefix, its own PostgreSQL database
// bench_<prefix>_<arm>_<pid>), all started alike and in parallel; the REST send load of the
// ingest scenario (2 load processes, 32 keep-alive connections each) goes to one arm at a time,
// a warm-up block per arm first, then rounds in ABBA order (a b c c b a …) so drift on the shared
// machine hits every arm alike. Per block: acked seqs gap-free per conversation (continuing the
// arm's previous blocks), the Strata process's CPU µs during the sends (the first load process
// reads /proc/<pid>/stat). At the end: persisted == acked per arm, exactly.
// Shutdown: whatever happens, the load processes and the scenario's own children are asked to
// exit, every started arm is stopped and its database dropped (best effort).
// What an arm is, how it is set up, drained, reported and checked stays in its scenario.
import type { ChildProcess } from 'node:child_process';
import pg from 'pg';
import type { Ctx, StackWorld } from './context.js';
import { forkTs, nextMessage } from './proc.js';
import { startStack } from './stack.js';
import type { WarmView } from './warm.js';
import type { IngestJob, IngestResult } from '../load/ingest-load.js';

export interface ArmRunBase<A extends { name: string } = { name: string }> {
  arm: A;
  sw: StackWorld;
  db: string;
  warm: WarmView;
  blocks: { acked: number }[];
  /** The first few conversations whose acked seqs were not gap-free. */
  badSeqs: string[];
}

/** The figures every block has, summed over the load processes. */
export interface SentBlock {
  acked: number;
  errors: number;
  errorSamples: string[];
  seconds: number;
  lat: Float64Array[];
  /** Strata CPU µs during the sends. */
  cpuSend: number;
}

export interface ArmsOptions<A extends { name: string }, R extends ArmRunBase<A>> {
  /** Names the checks ('integrations'). */
  scenario: string;
  /** The databases' middle part: bench_<dbPrefix>_<arm>_<pid>. */
  dbPrefix: string;
  arms: A[];
  /** The base stack's label; each arm's stack is labelled `<label> <arm>`. */
  label: string;
  /** The scenario's own child processes (sidecars), asked to exit at the end with the load processes. */
  children?: ChildProcess[];
  /** Before the arms start (e.g. wait for a sidecar whose URLs the arms' env needs). */
  before?(): Promise<void>;
  env?(arm: A): Record<string, string>;
  /** The run of a started arm; kept at once, so it is stopped whatever happens next. */
  make(arm: A, db: string, sw: StackWorld): R;
  /** The arm's world, warm view and setup. */
  prepare(run: R): Promise<void>;
  /** With every arm prepared (runs in arms order): start the load, run the blocks, report. */
  body(h: ArmsHarness<R>): Promise<void>;
}

export interface ArmsHarness<R> {
  runs: R[];
  loaders: ChildProcess[];
  /** Starts the 2 load processes, kept for every block. */
  startLoaders(): Promise<void>;
  /**
   * One block's sends at one arm: each load process's job (its own seed and tag, the Strata
   * process's CPU read by the first) with the scenario's part from `job`; waits for the results.
   */
  send(r: R, kind: string, job: (i: number) => Pick<IngestJob, 'durationMs'> & Partial<IngestJob>): Promise<{ results: IngestResult[]; block: SentBlock; sendsEnd: number }>;
}

/** Acked messages the arm's conversations hold so far (the seqs are gap-free from 1). */
export function ackedSoFar(r: ArmRunBase): number {
  return r.sw.world.convs.reduce((n, c) => n + (r.sw.lastSeq.get(c.id) ?? 0), 0);
}

/** This block's acks of each conversation continue its previous ones, gap-free and without duplicates. */
export function checkSeqs(r: ArmRunBase, results: IngestResult[]): void {
  const byConv = new Map<string, number[]>();
  for (const x of results) {
    for (const [c, seqs] of Object.entries(x.seqs)) byConv.set(c, [...(byConv.get(c) ?? []), ...seqs]);
  }
  for (const [c, seqs] of byConv) {
    seqs.sort((p, q) => p - q);
    const prev = r.sw.lastSeq.get(c) ?? 0;
    if (!seqs.every((v, i) => v === prev + 1 + i) && r.badSeqs.length < 3) r.badSeqs.push(`conversation ${c}: after ${prev} acked ${seqs.slice(0, 6).join(',')}…`);
    r.sw.lastSeq.set(c, prev + seqs.length);
  }
}

/** A warm-up block per arm, then `rounds` rounds over the arms in ABBA order. */
export async function abba<R>(runs: R[], rounds: number, warmup: (r: R) => Promise<void>, measured: (r: R) => Promise<void>): Promise<void> {
  for (const r of runs) await warmup(r);
  for (let round = 0; round < rounds; round++) {
    for (const r of round % 2 === 0 ? runs : [...runs].reverse()) await measured(r);
  }
}

export async function runArms<A extends { name: string }, R extends ArmRunBase<A>>(ctx: Ctx, o: ArmsOptions<A, R>): Promise<void> {
  const loaders: ChildProcess[] = [];
  const runs: R[] = [];
  const admin = new pg.Client({ connectionString: ctx.pgUrl });
  await admin.connect();
  const dbName = (arm: A) => `bench_${o.dbPrefix}_${arm.name}_${process.pid}`;
  let jobNo = 0;
  const h: ArmsHarness<R> = {
    runs, loaders,
    async startLoaders() {
      for (let i = 0; i < 2; i++) {
        const child = forkTs('load/ingest-load.ts');
        loaders.push(child);
        await nextMessage(child, 30_000, (m) => m?.ready);
      }
    },
    async send(r, kind, part) {
      const { stack, world } = r.sw;
      const tag = `${o.dbPrefix}-${r.arm.name}-${kind}-${++jobNo}-${Date.now().toString(36)}`;
      const results = await Promise.all(loaders.map(async (child, i) => {
        const job: IngestJob = {
          transport: 'rest', url: stack.url, wsUrl: stack.wsUrl, convs: world.convs, tokens: world.tokens, concurrency: 32,
          maxMessages: 0, seed: ctx.seed * 1000 + jobNo * 10 + i, tag: `${tag}-${i}`,
          workerOffset: i * 32, cpuPid: i === 0 ? stack.pid : undefined, ...part(i),
        };
        const p = nextMessage<{ result: IngestResult }>(child, job.durationMs + 120_000, (m) => m && 'result' in m);
        child.send({ job });
        return (await p).result;
      }));
      const block: SentBlock = {
        acked: 0, errors: 0, errorSamples: [], lat: [],
        seconds: (Math.max(...results.map((x) => x.endMs)) - Math.min(...results.map((x) => x.startMs))) / 1000,
        cpuSend: results[0].cpuUs![1] - results[0].cpuUs![0],
      };
      for (const x of results) {
        block.acked += x.acked;
        block.errors += x.errors;
        block.errorSamples.push(...x.errorSamples);
        block.lat.push(x.latencyMs);
      }
      checkSeqs(r, results);
      return { results, block, sendsEnd: Math.max(...results.map((x) => x.endMs)) };
    },
  };
  try {
    await o.before?.();
    // the arms' servers, started alike (in parallel: the same start-up for all); their databases
    // one after another (one admin connection runs one query at a time)
    for (const arm of o.arms) await admin.query(`CREATE DATABASE ${dbName(arm)}`);
    await Promise.all(o.arms.map(async (arm) => {
      const db = dbName(arm);
      const u = new URL(ctx.pgUrl);
      u.pathname = `/${db}`;
      const stack = await startStack({ kind: 'valkey-pg', redisUrl: ctx.redisUrl, pgUrl: u.toString(), env: o.env?.(arm) });
      const run = o.make(arm, db, { stack, world: undefined as unknown as StackWorld['world'], lastSeq: new Map(), label: `${o.label} ${arm.name}` });
      runs.push(run);
      await o.prepare(run);
    }));
    runs.sort((a, b) => o.arms.indexOf(a.arm) - o.arms.indexOf(b.arm));
    await o.body(h);
    // persisted == acked, exactly
    for (const r of runs) {
      const convIds = r.sw.world.convs.map((c) => c.id);
      const expected = ackedSoFar(r);
      const acked = r.blocks.reduce((n, b) => n + b.acked, 0);
      const exact = await r.warm.exact(convIds);
      const ok = exact.rows === expected && exact.distinct === expected && exact.gappy === 0 && expected === acked;
      ctx.res.check(o.scenario, `${r.arm.name}: persisted rows == acked`, ok, `${exact.rows} rows (${exact.distinct} distinct, ${exact.gappy} conversations with gaps) for ${acked} acked`);
    }
  } finally {
    for (const child of [...loaders, ...(o.children ?? [])]) {
      if (child.exitCode === null && child.signalCode === null) child.send({ exit: true });
    }
    for (const r of runs) {
      await r.warm?.close().catch(() => undefined);
      await r.sw.stack.stop().catch(() => undefined);
      await admin.query(`DROP DATABASE IF EXISTS ${r.db} WITH (FORCE)`).catch(() => undefined); // best effort: the cluster is thrown away at the end
    }
    await admin.end();
  }
}
