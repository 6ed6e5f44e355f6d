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
// The arms' start, load, ABBA order, seq and persisted checks: bench/lib/arms.ts (shared with
// "moderation"); the sidecar, the arms, the drain and the report are this scenario's.
import type { Ctx, StackWorld } from '../lib/context.js';
import { abba, ackedSoFar, runArms, type ArmRunBase, type SentBlock } from '../lib/arms.js';
import { cpuMicros } from '../lib/cpu.js';
import { forkTs, nextMessage } from '../lib/proc.js';
import { createWorld, SECRET, until } from '../lib/stack.js';
import { warmView, type WarmView } from '../lib/warm.js';
import { mintToken } from '../../src/auth/tokens.js';
import { generateVapidKeys } from '../../src/push-providers/web-push-provider.js';
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

export interface Block extends SentBlock {
  /** warm-up: one per arm before the measured blocks (JIT, connections, the hook's agent); checked, not measured. */
  kind: 'warmup' | 'max' | 'paced';
  /** Server CPU µs from the sends' end until the block drained (cpuSend: during the sends). */
  cpuDrain: number;
  drainMs: number;
  /** Webhook arm: arrival − ack per acked message (first arrival), ms; push arm: per message and recipient subscription. */
  delivery: number[];
}

export interface ArmRun extends ArmRunBase<Arm> {
  blocks: Block[];
  /** conversation → seq → ack epoch ms, of the acks not yet seen at the receiver (webhook arm). */
  pending: Map<string, Map<number, number>>;
  seenAt: Map<string, Set<number>>;
  hookIds: string[];
  duplicates: number;
  /** Push arm: what each acked message owes and what arrived. */
  push: PushLedger;
}

export async function integrationsScenario(ctx: Ctx, base: StackWorld): Promise<void> {
  const side = forkTs('load/integration-sidecar.ts');
  let urls: SidecarUrls;
  const take = async (): Promise<Taken> => {
    const p = nextMessage<{ taken: Taken }>(side, 30_000, (m) => m?.taken);
    side.send({ take: true });
    return (await p).taken;
  };
  await runArms<Arm, ArmRun>(ctx, {
    scenario: 'integrations', dbPrefix: 'int', arms: ARMS, label: base.label, children: [side],
    async before() {
      await nextMessage(side, 30_000, (m) => m?.ready);
      const vapid = generateVapidKeys();
      side.send({ start: { hookDelayMs: HOOK_DELAY_MS, vapidPublicKey: vapid.publicKey } });
      const started = (await nextMessage<{ started: { hookUrl: string; webhookUrl: string } }>(side, 30_000, (m) => m?.started)).started;
      urls = {
        ...started, vapid,
        async subscribe(n) {
          const p = nextMessage<{ subscribed: BenchSubscription[] }>(side, 30_000, (m) => m?.subscribed);
          side.send({ subscribe: n });
          return (await p).subscribed;
        },
      };
    },
    env: (arm) => arm.env(urls),
    make: (arm, db, sw) => ({
      arm, db, sw, warm: undefined as unknown as WarmView, blocks: [], pending: new Map(), seenAt: new Map(), hookIds: [], duplicates: 0, badSeqs: [], push: new PushLedger(),
    }),
    async prepare(run) {
      run.sw.world = await createWorld(run.sw.stack, { users: 1000, convs: 100, size: 10, seed: ctx.seed, tag: `int-${run.arm.name}` });
      run.warm = await warmView(run.sw.stack);
      await run.arm.setup?.(run, urls);
    },
    async body({ runs, loaders, startLoaders, send }) {
      await take(); // nothing counts from the setup
      await startLoaders();
      const warmupMs = ctx.q(3_000, 500);
      const maxMs = ctx.q(5_000, 1_000);
      const pacedMs = ctx.q(5_000, 750);
      const rate = 250;
      const rounds = ctx.q(4, 1);
      // the push arm drains 9 encrypted pushes per message: a closed-loop block's backlog takes minutes
      const drainLimitMs = 600_000;

      const block = async (r: ArmRun, kind: Block['kind']): Promise<void> => {
        const { stack, world } = r.sw;
        const sent = await send(r, kind, () => ({
          durationMs: kind === 'max' ? maxMs : kind === 'warmup' ? warmupMs : pacedMs,
          ratePerS: kind === 'paced' ? rate / loaders.length : 0, ackTimes: true,
        }));
        const b: Block = { ...sent.block, kind, delivery: [], drainMs: 0, cpuDrain: 0 };
        const cpuAtEnd = sent.results[0].cpuUs![1];
        // what each acked message owes: the push arm's pushes, the webhook arm's deliveries
        for (const x of sent.results) {
          for (const [c, seqs] of Object.entries(x.seqs)) {
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
        // drain: the warm store holds every acked message; the receiver got every acked message
        const convIds = world.convs.map((c) => c.id);
        const expected = ackedSoFar(r);
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
        b.drainMs = Date.now() - sent.sendsEnd;
        b.cpuDrain = cpuMicros(stack.pid) - cpuAtEnd;
        if (!drained) throw new Error(`arm ${r.arm.name}: block not drained within ${drainLimitMs / 1000} s (${r.push.outstanding()} pushes owed, e.g. ${r.push.lostExamples().join('; ')})`);
        r.blocks.push(b);
      };

      // ABBA over the arms: plain hook webhook webhook hook plain …
      await abba(runs, rounds, (r) => block(r, 'warmup'), async (r) => {
        await block(r, 'max');
        await block(r, 'paced');
      });
      report(ctx, runs, base.label, rate, PUSH_DELAY_MS);
    },
  });
}
