// Scenario "moderation" (issue #14): what each moderation rule costs the ingest path, in one run.
// Built like "integrations", on the same runner (bench/lib/arms.ts): one Strata process per arm,
// each on the run's Valkey + PostgreSQL (its own Valkey prefix and PostgreSQL database), started
// alike, each holding the same world (100 group conversations of 50 members, 40 with --quick;
// the first member owns each):
//   plain     no rule
//   slow      slow mode 1 s in every conversation; every sender is a plain member (owners and
//             admins are exempt), and the load sends as a user into a conversation only 1.1 s
//             after their previous send there was answered: the cooldown is checked on every
//             send (ingest-10.lua: HMGET + PTTL, and the cooldown key SET) and refuses none
//   words     a blocklist of 1,000 `word` entries (reject), none in the load's texts
//   word1     a blocklist of 1 `word` entry: what any non-empty list costs (every text is
//             tokenized) apart from what the entries add
//   regex     a blocklist of 50 `regex` entries (re2js, reject), none matching the load's texts
//   muted     2 members of every conversation muted for a day, who never send: the
//             restrictions hash holds entries, every send is judged against it
// Senders in every arm: members 3…49 of each conversation (not the owner, not the 2 muted or
// quiet ones), split between the two load processes, with the same 1.1 s gap rule: the same load
// for every arm. The REST send load of the ingest scenario (2 load processes, 64 keep-alive
// connections, closed loop) goes to one arm at a time, in blocks ordered ABBA (plain slow
// words word1 regex muted muted regex word1 words slow plain …); each block is drained (the
// warm store holds every acked message) before the next. Figures per arm beside plain's: acked msgs/s, send p50/p99,
// the Strata process's CPU µs per acked message (/proc/<pid>/stat, bench/lib/cpu.ts) during the
// sends. Checks: every send acked (no arm refuses anything), acked seqs gap-free, persisted ==
// acked, each arm's rule in place at the end (slow_mode_s, entries, mutes) AND refusing what it
// should (a positive control after the blocks: a second send at once → 429 SLOW_MODE, a listed
// word or pattern → 422 BLOCKLIST_REJECTED, a muted member → 403 MUTED).
import type { Ctx, StackWorld } from '../lib/context.js';
import { abba, ackedSoFar, runArms, type ArmRunBase, type SentBlock } from '../lib/arms.js';
import { createWorld, SECRET, until, type Stack } from '../lib/stack.js';
import { warmView, type WarmView } from '../lib/warm.js';
import { mintToken } from '../../src/auth/tokens.js';
import { report } from './moderation-report.js';

const log = (msg: string) => process.stderr.write(`[bench moderation ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);

export const SLOW_MODE_S = 1;
export const SENDER_GAP_MS = 1100;
const WORD_ENTRIES = 1000;
const REGEX_ENTRIES = 50;
const QUIET = 2; // members 1 and 2: muted in the muted arm, never senders in any arm

interface ArmSetup {
  stack: Stack;
  world: StackWorld['world'];
  api(method: string, path: string, token: string, body?: unknown): Promise<{ status: number; body: any }>;
  admin: string;
}

export interface ModArm {
  name: string;
  label: string;
  setup?(a: ArmSetup): Promise<void>;
  /** At the end: the rule is still in place (a description, or throws). */
  verify?(a: ArmSetup): Promise<string>;
}

/** 1,000 made-up words (none of them in bench/lib/rng.ts's texts). */
const word = (i: number) => `zq${i.toString(36)}vexl${(i * 7919).toString(36)}`;
/** 50 patterns of the kinds operators write; each needs a digit run the load's texts never hold. */
const REGEX_TEMPLATES = [
  (i: number) => `fr[e3]{2}\\s*m[o0]n[e3]y${i}`,
  (i: number) => `b[a@]dw[o0]rd${i}`,
  (i: number) => `(https?://)?bit\\.ly/[a-z0-9]+x${i}`,
  (i: number) => `c[a4]s[i1]n[o0]\\s+b[o0]nus\\s*${i}`,
  (i: number) => `\\b(buy|cheap)\\s+\\w+\\s+now${i}\\b`,
];
const regex = (i: number) => REGEX_TEMPLATES[i % REGEX_TEMPLATES.length](i);

/** Runs fn over items, `width` at a time. */
async function each<T>(items: T[], width: number, fn: (x: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += width) await Promise.all(items.slice(i, i + width).map(fn));
}

/** A refused send: the rule would refuse what the load never sends (a positive control). */
async function refuses(a: ArmSetup, conv: string, user: string, text: string, status: number, code: string): Promise<string> {
  const r = await a.api('POST', `/v1/conversations/${conv}/messages`, a.world.tokens[user], { text });
  if (r.status !== status || r.body?.code !== code) throw new Error(`control send: ${r.status} ${JSON.stringify(r.body)}, expected ${status} ${code}`);
  return `${status} ${code}`;
}

async function addEntries(a: ArmSetup, kind: 'word' | 'regex', patterns: string[]): Promise<void> {
  await each(patterns, 16, async (pattern) => {
    const r = await a.api('POST', '/v1/admin/blocklist', a.admin, { kind, pattern, action: 'reject' });
    if (r.status !== 201) throw new Error(`blocklist ${kind} ${pattern}: ${r.status} ${JSON.stringify(r.body)}`);
  });
}

async function verifyEntries(a: ArmSetup, kind: string, n: number, hit: string): Promise<string> {
  const entries = (await a.api('GET', '/v1/admin/blocklist', a.admin)).body.entries as { kind: string }[];
  const have = entries.filter((e) => e.kind === kind).length;
  if (have !== n) throw new Error(`${have} ${kind} entries, expected ${n}`);
  const c = a.world.convs[0];
  return `${have} ${kind} entries; ${JSON.stringify(hit)} → ${await refuses(a, c.id, c.members[1 + QUIET], `hello ${hit} there`, 422, 'BLOCKLIST_REJECTED')}`;
}

const ARMS: ModArm[] = [
  { name: 'plain', label: 'no rule' },
  {
    name: 'slow',
    label: `slow mode ${SLOW_MODE_S} s (checked on every send, never hit)`,
    setup: (a) => each(a.world.convs, 10, async (c) => {
      const r = await a.api('PATCH', `/v1/conversations/${c.id}`, a.world.tokens[c.members[0]], { slow_mode_s: SLOW_MODE_S });
      if (r.status !== 200) throw new Error(`slow mode: ${r.status} ${JSON.stringify(r.body)}`);
    }),
    async verify(a) {
      const slow = await Promise.all(a.world.convs.map(async (c) => (await a.api('GET', `/v1/conversations/${c.id}`, a.world.tokens[c.members[0]])).body.slow_mode_s));
      const on = slow.filter((s) => s === SLOW_MODE_S).length;
      if (on !== a.world.convs.length) throw new Error(`slow mode on in ${on} of ${a.world.convs.length} conversations`);
      // control, in a conversation of its own (its first send is stored): a member's second send at once is refused
      const [owner, member] = a.world.convs[0].members.slice(0, 2);
      const c = await a.api('POST', '/v1/conversations', a.world.tokens[owner], { members: [member], kind: 'group' });
      await a.api('PATCH', `/v1/conversations/${c.body.id}`, a.world.tokens[owner], { slow_mode_s: SLOW_MODE_S });
      const first = await a.api('POST', `/v1/conversations/${c.body.id}/messages`, a.world.tokens[member], { text: 'first' });
      if (first.status !== 201) throw new Error(`control first send: ${first.status}`);
      return `slow_mode_s ${SLOW_MODE_S} in all ${on} conversations; a second send at once → ${await refuses(a, c.body.id, member, 'second', 429, 'SLOW_MODE')}`;
    },
  },
  {
    name: 'words',
    label: `blocklist: ${WORD_ENTRIES.toLocaleString('en')} word entries (no match)`,
    setup: (a) => addEntries(a, 'word', Array.from({ length: WORD_ENTRIES }, (_, i) => word(i))),
    verify: (a) => verifyEntries(a, 'word', WORD_ENTRIES, word(777)),
  },
  {
    // splits the words arm's cost: what any non-empty list costs (each text is tokenized) vs what entries add
    name: 'word1',
    label: 'blocklist: 1 word entry (no match)',
    setup: (a) => addEntries(a, 'word', [word(0)]),
    verify: (a) => verifyEntries(a, 'word', 1, word(0)),
  },
  {
    name: 'regex',
    label: `blocklist: ${REGEX_ENTRIES} regex entries, re2js (no match)`,
    setup: (a) => addEntries(a, 'regex', Array.from({ length: REGEX_ENTRIES }, (_, i) => regex(i))),
    verify: (a) => verifyEntries(a, 'regex', REGEX_ENTRIES, 'b@dw0rd1'),
  },
  {
    name: 'muted',
    label: `${QUIET} muted members per conversation (not sending)`,
    setup: (a) => each(a.world.convs.flatMap((c) => c.members.slice(1, 1 + QUIET).map((user) => ({ c, user }))), 10, async ({ c, user }) => {
      const r = await a.api('POST', `/v1/conversations/${c.id}/mutes`, a.world.tokens[c.members[0]], { user, duration_s: 86_400 });
      if (r.status !== 201) throw new Error(`mute: ${r.status} ${JSON.stringify(r.body)}`);
    }),
    async verify(a) {
      const n = await Promise.all(a.world.convs.map(async (c) => (await a.api('GET', `/v1/conversations/${c.id}/mutes`, a.world.tokens[c.members[0]])).body.mutes.length as number));
      const total = n.reduce((x, y) => x + y, 0);
      if (total !== QUIET * a.world.convs.length) throw new Error(`${total} mutes running`);
      const c = a.world.convs[0];
      return `${total} mutes running; a muted member's send → ${await refuses(a, c.id, c.members[1], 'hi', 403, 'MUTED')}`;
    },
  },
];

export interface ModBlock extends SentBlock {
  kind: 'warmup' | 'max';
  gapRedraws: number;
  gapWaits: number;
}

export interface ModRun extends ArmRunBase<ModArm> {
  setup: ArmSetup;
  blocks: ModBlock[];
  verified: string;
  setupS: number;
}

export async function moderationScenario(ctx: Ctx, base: StackWorld): Promise<void> {
  const adminToken = await mintToken(SECRET, 'bench-operator', { admin: true });
  await runArms<ModArm, ModRun>(ctx, {
    scenario: 'moderation', dbPrefix: 'mod', arms: ARMS, label: base.label,
    make(arm, db, sw) {
      const { stack } = sw;
      const api: ArmSetup['api'] = async (method, path, token, body) => {
        const res = await fetch(`${stack.url}${path}`, {
          method, headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        const text = await res.text();
        return { status: res.status, body: text ? JSON.parse(text) : undefined };
      };
      return {
        arm, db, sw, setup: { stack, world: undefined as unknown as ArmSetup['world'], api, admin: adminToken },
        warm: undefined as unknown as WarmView, blocks: [], badSeqs: [], verified: '', setupS: 0,
      };
    },
    async prepare(run) {
      const convs = ctx.q(100, 40); // quick: fewer conversations (setup time); still ≥ 3× the senders the gap rule needs
      run.sw.world = run.setup.world = await createWorld(run.sw.stack, { users: convs * 50, convs, size: 50, seed: ctx.seed, tag: `mod-${run.arm.name}` });
      run.warm = await warmView(run.sw.stack);
      const t0 = Date.now();
      await run.arm.setup?.(run.setup);
      run.setupS = (Date.now() - t0) / 1000;
    },
    async body({ runs, loaders, startLoaders, send }) {
      log(`${runs.length} arms set up`);
      await startLoaders();
      const warmupMs = ctx.q(3_000, 500);
      const maxMs = ctx.q(5_000, 1_000);
      const rounds = ctx.q(4, 1);

      const block = async (r: ModRun, kind: ModBlock['kind']): Promise<void> => {
        const { world } = r.sw;
        const sent = await send(r, kind, (i) => ({
          // this loader's senders: members 1+QUIET… of each conversation, every other one
          convs: world.convs.map((c) => ({ id: c.id, members: c.members.slice(1 + QUIET).filter((_, k) => k % loaders.length === i) })),
          durationMs: kind === 'max' ? maxMs : warmupMs, senderGapMs: SENDER_GAP_MS,
        }));
        const b: ModBlock = { ...sent.block, kind, gapRedraws: 0, gapWaits: 0 };
        for (const x of sent.results) {
          b.gapRedraws += x.gapRedraws ?? 0;
          b.gapWaits += x.gapWaits ?? 0;
        }
        // drained: the warm store holds every acked message before the next block starts
        const convIds = world.convs.map((c) => c.id);
        const expected = ackedSoFar(r);
        if (!(await until(async () => (await r.warm.persisted(convIds)) >= expected, 120_000, 20))) {
          throw new Error(`arm ${r.arm.name}: block not persisted within 120 s`);
        }
        r.blocks.push(b);
      };

      await abba(runs, rounds, (r) => block(r, 'warmup'), (r) => block(r, 'max'));
      log('blocks done');
      for (const r of runs) r.verified = r.arm.verify ? await r.arm.verify(r.setup) : 'no rule';
      report(ctx, runs, base.label);
    },
  });
}
