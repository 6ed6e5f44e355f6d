// `strata bench [--quick]`: the benchmark harness. Starts the stacks it measures (the embedded
// defaults, and Valkey + PostgreSQL through test/services, the code the tests use), drives
// each scenario from load-generator processes of its own, measures every figure beside its
// baseline in the same run, checks correctness while measuring (delivered and persisted ==
// acked), prints one table and writes bench/results/<timestamp>.json, latest.{json,md,svg}
// (latest-quick.* / latest-partial.* for quick and --only runs). Exit code 1 on an error or
// a failed check — never on speed.
// Bounded: every loop has a duration or a count; only 127.0.0.1; only its own PIDs are killed.
import fs from 'node:fs';
import path from 'node:path';
import { startPostgres, type PostgresServer } from '../test/services/postgres.js';
import { startRedis, type RedisServer } from '../test/services/redis.js';
import { pgBin } from '../test/services/binaries.js';
import type { Ctx, StackWorld } from './lib/context.js';
import { machineInfo } from './lib/machine.js';
import { BENCH_DIR, killStarted } from './lib/proc.js';
import { markdown, Results, svg, table } from './lib/report.js';
import { createWorld, startStack, type StackKind } from './lib/stack.js';
import { ingestScenario } from './scenarios/ingest.js';
import { persistScenario } from './scenarios/persist.js';
import { historyScenario } from './scenarios/history.js';
import { extraScenarios } from './scenarios/index.js';
import { connectionsScenario } from './scenarios/connections.js';

export interface BenchOptions {
  quick: boolean;
  seed?: number;
  /** Only these scenarios (names), for development. */
  only?: string[];
  /** Node flags for the measured Strata processes, e.g. ['--cpu-prof', '--cpu-prof-dir=…']. */
  serverExecArgv?: string[];
}

function log(msg: string) {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
}

export async function runBench(opts: BenchOptions): Promise<number> {
  const started = Date.now();
  const res = new Results();
  const want = (s: string) => !opts.only || opts.only.includes(s);
  let redis: RedisServer | undefined;
  let pgs: PostgresServer | undefined;
  const stacks: StackWorld[] = [];
  const onSignal = () => {
    killStarted();
    redis?.process.kill('SIGKILL');
    pgs?.stop();
    process.exit(130);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    log(`starting Valkey/Redis and PostgreSQL (test/services)${opts.quick ? ' — quick run' : ''}`);
    [redis, pgs] = await Promise.all([startRedis(), startPostgres()]);
    const ctx: Ctx = {
      quick: opts.quick, seed: opts.seed ?? 42, res, redisUrl: redis.url, pgUrl: pgs.url, shared: {},
      q: (full, quick) => (opts.quick ? quick : full),
    };
    const guard = async (scenario: string, fn: () => Promise<unknown>) => {
      if (!want(scenario)) return;
      log(`scenario ${scenario}`);
      try {
        await fn();
      } catch (e) {
        res.errors.push({ scenario, error: (e as Error).stack ?? String(e) });
        log(`scenario ${scenario} FAILED: ${(e as Error).message}`);
      }
    };
    const stackOf = async (kind: StackKind): Promise<StackWorld> => {
      const stack = await startStack({ kind, redisUrl: redis!.url, pgUrl: pgs!.url, execArgv: opts.serverExecArgv });
      const world = await createWorld(stack, { users: 1000, convs: 100, size: 10, seed: ctx.seed, tag: kind });
      const sw = { stack, world, lastSeq: new Map<string, number>(), label: kind };
      stacks.push(sw);
      return sw;
    };

    // Embedded defaults: memory hot tier + SQLite.
    if (want('ingest') || want('history')) {
      log('starting strata on the embedded defaults (memory + SQLite)');
      const emb = await stackOf('embedded');
      await guard('ingest', () => ingestScenario(ctx, emb, 'rest'));
      await guard('history', () => historyScenario(ctx, emb));
      await emb.stack.stop();
      stacks.splice(stacks.indexOf(emb), 1);
    }

    // Production column: Valkey (Redis 7) + PostgreSQL.
    log('starting strata on Valkey + PostgreSQL');
    const prod = await stackOf('valkey-pg');
    // RSS per idle socket first, on a fresh process: later scenarios leave garbage that a GC
    // during the measurement would release, hiding what the sockets cost.
    await guard('connections', () => connectionsScenario(ctx, prod));
    if (want('ingest') || want('persist')) {
      await guard('ingest', async () => {
        const load = await ingestScenario(ctx, prod, 'rest', { poll: true });
        await guard('persist', () => persistScenario(ctx, prod, load));
      });
    }
    await guard('history', () => historyScenario(ctx, prod));
    for (const s of extraScenarios) await guard(s.name, () => s.run(ctx, prod));
    await prod.stack.stop();
    stacks.splice(stacks.indexOf(prod), 1);

    const doc = {
      when: new Date(started).toISOString(), quick: opts.quick, seed: ctx.seed, durationS: (Date.now() - started) / 1000,
      machine: machineInfo(pgBin('postgres')), ok: !res.failed,
      figures: res.rows, checks: res.checks, latency: res.latency, skipped: res.skipped, errors: res.errors,
    };
    const out = path.join(BENCH_DIR, 'results');
    fs.mkdirSync(out, { recursive: true });
    const stamp = doc.when.replace(/[:.]/g, '-');
    const json = `${JSON.stringify(doc, null, 2)}\n`;
    // Only a full run of every scenario replaces latest.* (what the README shows); quick and
    // partial runs are written under their own names.
    const kind = opts.quick ? 'quick' : opts.only ? 'partial' : '';
    const name = kind ? `latest-${kind}` : 'latest';
    fs.writeFileSync(path.join(out, `${stamp}${kind ? `-${kind}` : ''}.json`), json);
    fs.writeFileSync(path.join(out, `${name}.json`), json);
    fs.writeFileSync(path.join(out, `${name}.svg`), svg(res, `Strata bench ${doc.when.slice(0, 16)} — ${doc.machine.cores} cores, ${doc.machine.cpu}${opts.quick ? ' (quick)' : ''}`));
    fs.writeFileSync(path.join(out, `${name}.md`), `${markdown(res)}\n`);
    process.stdout.write(`\n${table(res)}\n\n`);
    process.stdout.write(`${res.failed ? 'FAILURE' : 'OK'}: ${res.checks.filter((c) => c.ok).length}/${res.checks.length} checks passed, ${res.errors.length} errors; ${doc.durationS.toFixed(0)} s; results in bench/results/${name}.json\n`);
    return res.failed ? 1 : 0;
  } catch (e) {
    process.stderr.write(`bench: ${(e as Error).stack ?? e}\n`);
    process.stdout.write('FAILURE: the harness could not run\n');
    return 1;
  } finally {
    for (const s of stacks) await s.stack.stop().catch(() => undefined);
    killStarted();
    await redis?.stop();
    pgs?.stop();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
