// Scenario "integrations" (issue #13): what each integration costs the ingest path, in one run.
// One Strata process per arm, each on the Valkey + PostgreSQL stack of the run (its own Valkey
// prefix and its own PostgreSQL database, so an arm's webhook deliveries or persist work never
// land in another's), all started the same way as the other stacks:
//   plain     no integration
//   hook      BEFORE_SEND_URL at a hook (integration-sidecar.ts) that answers accept after 1 ms
//   webhook   one endpoint (events: message) at a receiver that answers 200 at once
//   push      Web Push on (VAPID keys made for the run, PUSH_DELAY_MS 200): every user has one
//             subscription at the sidecar's push service and no socket, so each message is pushed
//             to the conversation's other 9 members; the service checks VAPID and decrypts each
// The same REST send load as the ingest scenario (2 load processes, 64 keep-alive connections,
// closed loop; then a paced block) goes to one arm at a time, in blocks ordered
// plain, hook, webhook, webhook, hook, plain, … so drift on the shared machine hits every arm
// alike. After each block the harness waits until the arm's warm store holds every acked
// message and, for the webhook arm, the receiver got every one (push arm: every recipient's
// subscription got every one): no block's work spills into the next. Figures per arm, beside plain's: acked msgs/s, send p50/p99, the server's CPU µs
// per acked message (/proc/<pid>/stat: during the sends, and with the drain after them —
// persist, deliveries), and the webhook / push delivery latency (arrival at the receiver or push
// service − the send's ack), at the paced rate and under the closed loop. Checks: acked seqs
// gap-free per arm, every send acked, persisted == acked, the hook saw every send of its arm once
// and nothing else, every acked message of the webhook arm arrived (0 lost; duplicates printed),
// every acked message of the push arm reached every member's subscription but the sender's, each
// push passed the VAPID check and decrypted (integrations-push.ts).
import type { ChildProcess } from 'node:child_process';
import pg from 'pg';
import type { Ctx, StackWorld } from '../lib/context.js';
import { cpuMicros } from '../lib/cpu.js';
import { forkTs, nextMessage } from '../lib/proc.js';
import { createWorld, SECRET, startStack, until } from '../lib/stack.js';
import { warmView, type WarmView } from '../lib/warm.js';
import { mintToken } from '../../src/auth/tokens.js';
import { generateVapidKeys } from '../../src/push-providers/web-push-provider.js';
import type { IngestJob, IngestResult } from '../load/ingest-load.js';
import type { Taken } from '../load/integration-sidecar.js';
import type { BenchSubscription } from '../load/push-service.js';
import { PushLedger } from './integrations-push.js';
import { report } from './integrations-report.js';

const HOOK_DELAY_MS = 1;
const PUSH_DELAY_MS = 200;

interface SidecarUrls {
  hookUrl: string;
  webhookUrl: string;
  vapid: { publicKey: string; privateKey: string };
  /** New subscriptions at the sidecar's push service. */
  subscribe(n: number): Promise<BenchSubscription[]>;
}

export interface Arm {
  name: string;
  /** How the figures name it. */
  label: string;
  env(urls: SidecarUrls): Record<string, string>;
  /** After the world exists, before the first block (e.g. register the webhook endpoint). */
  setup?(run: ArmRun, urls: SidecarUrls): Promise<void>;
}

const ARMS: Arm[] = [
  { name: 'plain', label: 'no integration', env: () => ({}) },
  { name: 'hook', label: `before-send hook (${HOOK_DELAY_MS} ms)`, env: (u) => ({ BEFORE_SEND_URL: u.hookUrl }) },
  {
    name: 'webhook',
    label: 'webhook endpoint (message)',
    env: () => ({}),
    async setup({ sw }, u) {
      const admin = await mintToken(SECRET, 'bench-admin', { admin: true });
      const res = await fetch(`${sw.stack.url}/v1/admin/webhooks`, {
        method: 'POST', headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
        body: JSON.stringify({ url: u.webhookUrl, events: ['message'] }),
      });
      if (res.status !== 201) throw new Error(`register webhook: ${res.status} ${await res.text()}`);
    },
  },
  {
    name: 'push',
    label: `Web Push to 9 offline members (PUSH_DELAY_MS ${PUSH_DELAY_MS})`,
    env: (u) => ({
      PUSH_ENABLED: 'true', VAPID_PUBLIC_KEY: u.vapid.publicKey, VAPID_PRIVATE_KEY: u.vapid.privateKey, VAPID_SUBJECT: 'mailto:bench@strata.invalid',
      PUSH_ALLOW_HTTP_LOCALHOST: 'true', PUSH_DELAY_MS: String(PUSH_DELAY_MS),
    }),
    async setup(run, u) {
      // one subscription per user (as one browser each), posted with that user's token
      const { stack, world } = run.sw;
      const subs = await u.subscribe(world.users.length);
      for (let i = 0; i < subs.length; i += 50) {
        await Promise.all(subs.slice(i, i + 50).map(async (s, j) => {
          const user = world.users[i + j];
          const res = await fetch(`${stack.url}/v1/push/subscriptions`, {
            method: 'POST', headers: { authorization: `Bearer ${user.token}`, 'content-type': 'application/json' },
            body: JSON.stringify({ endpoint: s.endpoint, keys: s.keys }),
          });
          if (res.status !== 201) throw new Error(`push subscription: ${res.status} ${await res.text()}`);
          run.push.subUser.set(s.id, user.id);
        }));
      }
    },
  },
];

export interface Block {
  /** warm-up: one per arm before the measured blocks (JIT, connections, the hook's agent); checked, not measured. */
  kind: 'warmup' | 'max' | 'paced';
  acked: number;
  errors: number;
  errorSamples: string[];
  seconds: number;
  lat: Float64Array[];
  /** Server CPU µs during the sends, and from their end until the block drained. */
  cpuSend: number;
  cpuDrain: number;
  drainMs: number;
  /** Webhook arm: arrival − ack per acked message (first arrival), ms; push arm: per message and recipient subscription. */
  delivery: number[];
}

export interface ArmRun {
  arm: Arm;
  sw: StackWorld;
  db: string;
  warm: WarmView;
  blocks: Block[];
  /** conversation → seq → ack epoch ms, of the acks not yet seen at the receiver (webhook arm). */
  pending: Map<string, Map<number, number>>;
  seenAt: Map<string, Set<number>>;
  hookIds: string[];
  duplicates: number;
  /** Push arm: what each acked message owes and what arrived. */
  push: PushLedger;
  badSeqs: string[];
}

export async function integrationsScenario(ctx: Ctx, base: StackWorld): Promise<void> {
  const side = forkTs('load/integration-sidecar.ts');
  const loaders: ChildProcess[] = [];
  const runs: ArmRun[] = [];
  const admin = new pg.Client({ connectionString: ctx.pgUrl });
  await admin.connect();
  try {
    await nextMessage(side, 30_000, (m) => m?.ready);
    const vapid = generateVapidKeys();
    side.send({ start: { hookDelayMs: HOOK_DELAY_MS, vapidPublicKey: vapid.publicKey } });
    const started = (await nextMessage<{ started: { hookUrl: string; webhookUrl: string } }>(side, 30_000, (m) => m?.started)).started;
    const urls: SidecarUrls = {
      ...started, vapid,
      async subscribe(n) {
        const p = nextMessage<{ subscribed: BenchSubscription[] }>(side, 30_000, (m) => m?.subscribed);
        side.send({ subscribe: n });
        return (await p).subscribed;
      },
    };
    const take = async (): Promise<Taken> => {
      const p = nextMessage<{ taken: Taken }>(side, 30_000, (m) => m?.taken);
      side.send({ take: true });
      return (await p).taken;
    };

    // the arms' servers, started alike (in parallel: the same start-up for all); their databases
    // one after another (one admin connection runs one query at a time)
    for (const arm of ARMS) await admin.query(`CREATE DATABASE bench_int_${arm.name}_${process.pid}`);
    await Promise.all(ARMS.map(async (arm) => {
      const db = `bench_int_${arm.name}_${process.pid}`;
      const u = new URL(ctx.pgUrl);
      u.pathname = `/${db}`;
      const pgUrl = u.toString();
      const stack = await startStack({ kind: 'valkey-pg', redisUrl: ctx.redisUrl, pgUrl, env: arm.env(urls) });
      const run: ArmRun = {
        arm, db, warm: undefined as unknown as WarmView, blocks: [], pending: new Map(), seenAt: new Map(), hookIds: [], duplicates: 0, badSeqs: [], push: new PushLedger(),
        sw: { stack, world: undefined as unknown as StackWorld['world'], lastSeq: new Map(), label: `${base.label} ${arm.name}` },
      };
      runs.push(run);
      run.sw.world = await createWorld(stack, { users: 1000, convs: 100, size: 10, seed: ctx.seed, tag: `int-${arm.name}` });
      run.warm = await warmView(stack);
      await arm.setup?.(run, urls);
    }));
    runs.sort((a, b) => ARMS.indexOf(a.arm) - ARMS.indexOf(b.arm));
    await take(); // nothing counts from the setup

    // two load processes, kept for every block
    for (let i = 0; i < 2; i++) {
      const child = forkTs('load/ingest-load.ts');
      loaders.push(child);
      await nextMessage(child, 30_000, (m) => m?.ready);
    }
    const warmupMs = ctx.q(3_000, 500);
    const maxMs = ctx.q(5_000, 1_000);
    const pacedMs = ctx.q(5_000, 750);
    const rate = 250;
    const rounds = ctx.q(4, 1);
    let jobNo = 0;
    // the push arm drains 9 encrypted pushes per message: a closed-loop block's backlog takes minutes
    const drainLimitMs = 600_000;

    const block = async (r: ArmRun, kind: Block['kind']): Promise<void> => {
      const { stack, world } = r.sw;
      const tag = `int-${r.arm.name}-${kind}-${++jobNo}-${Date.now().toString(36)}`;
      const results = await Promise.all(loaders.map(async (child, i) => {
        const job: IngestJob = {
          transport: 'rest', url: stack.url, wsUrl: stack.wsUrl, convs: world.convs, tokens: world.tokens, concurrency: 32,
          durationMs: kind === 'max' ? maxMs : kind === 'warmup' ? warmupMs : pacedMs, maxMessages: 0, seed: ctx.seed * 1000 + jobNo * 10 + i, tag: `${tag}-${i}`,
          workerOffset: i * 32, ratePerS: kind === 'paced' ? rate / loaders.length : 0, ackTimes: true, cpuPid: i === 0 ? stack.pid : undefined,
        };
        const p = nextMessage<{ result: IngestResult }>(child, job.durationMs + 120_000, (m) => m && 'result' in m);
        child.send({ job });
        return (await p).result;
      }));
      const b: Block = {
        kind, acked: 0, errors: 0, errorSamples: [], lat: [], delivery: [], drainMs: 0, cpuDrain: 0,
        seconds: (Math.max(...results.map((x) => x.endMs)) - Math.min(...results.map((x) => x.startMs))) / 1000,
        cpuSend: results[0].cpuUs![1] - results[0].cpuUs![0],
      };
      const sendsEnd = Math.max(...results.map((x) => x.endMs));
      const cpuAtEnd = results[0].cpuUs![1];
      // seqs gap-free, no duplicates: this block's acks of a conversation continue its previous ones
      const byConv = new Map<string, number[]>();
      for (const x of results) {
        b.acked += x.acked;
        b.errors += x.errors;
        b.errorSamples.push(...x.errorSamples);
        b.lat.push(x.latencyMs);
        for (const [c, seqs] of Object.entries(x.seqs)) {
          byConv.set(c, [...(byConv.get(c) ?? []), ...seqs]);
          if (r.arm.name === 'push') {
            const members = world.convs.find((x) => x.id === c)!.members;
            seqs.forEach((seq, k) => r.push.expect(c, seq, x.ackAt![c][k], x.ackBy![c][k], members));
          }
          if (r.arm.name !== 'webhook') continue;
          const m = r.pending.get(c) ?? new Map<number, number>();
          r.pending.set(c, m);
          seqs.forEach((seq, k) => m.set(seq, x.ackAt![c][k]));
        }
      }
      for (const [c, seqs] of byConv) {
        seqs.sort((p, q) => p - q);
        const prev = r.sw.lastSeq.get(c) ?? 0;
        if (!seqs.every((v, i) => v === prev + 1 + i) && r.badSeqs.length < 3) r.badSeqs.push(`conversation ${c}: after ${prev} acked ${seqs.slice(0, 6).join(',')}…`);
        r.sw.lastSeq.set(c, prev + seqs.length);
      }
      // drain: the warm store holds every acked message; the receiver got every acked message
      const convIds = world.convs.map((c) => c.id);
      const expected = convIds.reduce((n, c) => n + (r.sw.lastSeq.get(c) ?? 0), 0);
      const drained = await until(async () => {
        const t = await take();
        runs.find((x) => x.arm.name === 'hook')!.hookIds.push(...t.hookClientIds);
        if (t.hookOdd || t.webhookOdd) throw new Error(`sidecar: ${t.hookOdd} odd hook requests, ${t.webhookOdd} odd webhook requests`);
        const wh = runs.find((x) => x.arm.name === 'webhook')!;
        t.webhookConvs.forEach((c, k) => {
          const seq = t.webhookSeqs[k];
          const seen = wh.seenAt.get(c) ?? new Set<number>();
          wh.seenAt.set(c, seen);
          if (seen.has(seq)) return void wh.duplicates++;
          seen.add(seq);
          const ackAt = wh.pending.get(c)?.get(seq);
          if (ackAt !== undefined) {
            wh.pending.get(c)!.delete(seq);
            if (wh === r) b.delivery.push(t.webhookAt[k] - ackAt);
          }
        });
        const pu = runs.find((x) => x.arm.name === 'push')!;
        pu.push.take(t.push, (ms) => pu === r && b.delivery.push(ms));
        const undelivered = r.arm.name === 'webhook' ? [...r.pending.values()].reduce((n, m) => n + m.size, 0) : r.push.outstanding();
        return undelivered === 0 && (await r.warm.persisted(convIds)) >= expected;
      }, drainLimitMs, 20);
      b.drainMs = Date.now() - sendsEnd;
      b.cpuDrain = cpuMicros(stack.pid) - cpuAtEnd;
      if (!drained) throw new Error(`arm ${r.arm.name}: block not drained within ${drainLimitMs / 1000} s (${r.push.outstanding()} pushes owed, e.g. ${r.push.lostExamples().join('; ')})`);
      r.blocks.push(b);
    };

    for (const r of runs) await block(r, 'warmup');
    // ABBA over the arms: plain hook webhook webhook hook plain …
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 === 0 ? runs : [...runs].reverse();
      for (const r of order) {
        await block(r, 'max');
        await block(r, 'paced');
      }
    }
    report(ctx, runs, base.label, rate, PUSH_DELAY_MS);
    // persisted == acked, exactly
    for (const r of runs) {
      const convIds = r.sw.world.convs.map((c) => c.id);
      const expected = convIds.reduce((n, c) => n + (r.sw.lastSeq.get(c) ?? 0), 0);
      const acked = r.blocks.reduce((n, b) => n + b.acked, 0);
      const exact = await r.warm.exact(convIds);
      const ok = exact.rows === expected && exact.distinct === expected && exact.gappy === 0 && expected === acked;
      ctx.res.check('integrations', `${r.arm.name}: persisted rows == acked`, ok, `${exact.rows} rows (${exact.distinct} distinct, ${exact.gappy} conversations with gaps) for ${acked} acked`);
    }
  } finally {
    for (const child of [...loaders, side]) {
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
