// Scenarios of the change log (docs/changes.md), on the Valkey + PostgreSQL stack:
// - "changes": edits and reactions accepted per second through the REST API (64 keep-alive
//   connections, closed loop, as the REST ingest), beside the REST ingest rate measured in the
//   same run and the bare change-8.lua ceiling (ingest.ts baselines); then WS `resume` of
//   1,000 missing changes, p50/p99, served from the change ring (CHANGE_RING_LIMIT default
//   1,000 holds exactly them), from both tiers (the ring trimmed to its newest 500: the first
//   600 come from the warm store, the last 400 from the ring, as with CHANGE_RING_LIMIT=500)
//   and from the warm store alone (the ring deleted, as after a hot-tier loss), each beside
//   the same reads without the server.
// - "sync": GET /v1/sync?since= for a user in 100 conversations with 10 changes each since the
//   token, p50/p99, beside the change-ring reads of that sync without the server.
// Checked while measuring: every request answered, every conversation's cursor = messages +
// accepted changes, the warm store holds exactly cursors 1..cursor, every replay complete.
import pg from 'pg';
import type { Ctx, StackWorld } from '../lib/context.js';
import { runJob } from '../lib/proc.js';
import { createWorld, SECRET, until } from '../lib/stack.js';
import { summarize } from '../lib/stats.js';
import { mintToken } from '../../src/auth/tokens.js';
import type { ChangeJob, ChangeResult, ChangeTarget } from '../load/change-load.js';
import type { ResumeJob, ResumeResult } from '../load/resume-load.js';
import type { SyncJob, SyncResult } from '../load/sync-load.js';

const PARTITIONS = 16; // PARTITIONS default (src/config.ts); the bench stacks do not set it
const MISSING = 1000; // RESUME_MAX default: the most one resume replays
const MESSAGES_EACH = 20;

async function api(url: string, token: string, method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(`${url}${path}`, {
    method, headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 200)}`);
  return text ? JSON.parse(text) : null;
}

/** Runs fn over items, `width` at a time. */
async function pool<T>(items: T[], width: number, fn: (t: T) => Promise<void>): Promise<void> {
  let i = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (i < items.length) await fn(items[i++]);
  }));
}

export async function changesScenario(ctx: Ctx, sw: StackWorld): Promise<void> {
  const { url } = sw.stack;
  // Quick: 4 conversations (each needs 1,000+ changes for the resumes), 10 otherwise.
  const world = await createWorld(sw.stack, { users: 100, convs: ctx.q(10, 4), size: 10, seed: ctx.seed + 2, tag: `chg-${sw.label}` });
  // Messages to change, from several members each (setup, not measured).
  const targets: ChangeTarget[] = await Promise.all(world.convs.map(async (c) => {
    const messages: ChangeTarget['messages'] = [];
    for (let i = 0; i < MESSAGES_EACH; i++) {
      const sender = c.members[i % c.members.length];
      const m = await api(url, world.tokens[sender], 'POST', `/v1/conversations/${c.id}/messages`, { text: `to be changed ${i}`, client_id: `chg-${i}` });
      messages.push({ id: m.id, sender });
    }
    return { convId: c.id, members: c.members, messages };
  }));

  // Changes/s: closed loop, 64 connections, for a fixed time.
  const timed = await runJob<ChangeJob, ChangeResult>('load/change-load.ts', {
    url, targets, tokens: world.tokens, concurrency: 64, durationMs: ctx.q(10_000, 3_000), seed: ctx.seed,
  }, 180_000);
  const seconds = (timed.endMs - timed.startMs) / 1000;
  const accepted = timed.edits + timed.reactions;
  const rate = accepted / seconds;
  const subject = `strata ${sw.label} REST edits+reactions`;
  const note = `${timed.edits} edits + ${timed.reactions} reactions in ${seconds.toFixed(1)} s, 64 connections, ${targets.length} conversations`;
  const rest = ctx.shared.restIngest as number | undefined;
  const bare = ctx.shared.bareChange as number | undefined;
  ctx.res.add({ scenario: 'changes', subject, metric: 'accepted changes/s', value: rate, unit: '/s', note, ...(rest ? { baseline: { subject: `strata ${sw.label} REST acked msgs/s`, value: rest } } : {}) });
  if (bare) ctx.res.add({ scenario: 'changes', subject, metric: 'accepted changes/s vs bare change-8.lua', value: rate, unit: '/s', baseline: { subject: 'bare ioredis → change-8.lua', value: bare } });
  if (!rest) ctx.res.skipped.push({ scenario: 'changes', reason: 'no REST ingest measured on this stack in this run: changes/s printed without the ingest rate beside it' });
  const e = summarize(timed.editMs);
  const r = summarize(timed.reactionMs);
  ctx.res.add({ scenario: 'changes', subject: `strata ${sw.label} REST edit`, metric: 'p99 latency', value: e.p99, unit: 'ms', note: `p50 ${e.p50.toFixed(2)} ms` });
  ctx.res.add({ scenario: 'changes', subject: `strata ${sw.label} REST reaction`, metric: 'p99 latency', value: r.p99, unit: 'ms', note: `p50 ${r.p50.toFixed(2)} ms` });
  ctx.res.latency.push({ scenario: 'changes', subject: `${sw.label} REST edit`, p50: e.p50, p99: e.p99, p999: e.p999 });
  ctx.res.latency.push({ scenario: 'changes', subject: `${sw.label} REST reaction`, p50: r.p50, p99: r.p99, p999: r.p999 });

  // Top up every conversation to more changes than one resume replays (not measured).
  const need = Object.fromEntries(targets.map((t) => [t.convId, Math.max(0, MISSING + 50 - MESSAGES_EACH - timed.perConv[t.convId])]));
  const top = Object.values(need).some((n) => n > 0)
    ? await runJob<ChangeJob, ChangeResult>('load/change-load.ts', {
      url, targets, tokens: world.tokens, concurrency: 32, durationMs: 300_000, perConv: need, reacted: timed.reacted, seed: ctx.seed + 1,
    }, 360_000)
    : undefined;
  const errors = timed.errors + (top?.errors ?? 0);
  ctx.res.check('changes', `${sw.label}: every edit and reaction answered with a success`, errors === 0,
    errors === 0 ? `${accepted + (top ? top.edits + top.reactions : 0)} changes` : `${errors} errors, e.g. ${[...timed.errorSamples, ...(top?.errorSamples ?? [])].slice(0, 3).join(' | ')}`);
  const expected = Object.fromEntries(targets.map((t) => [t.convId, MESSAGES_EACH + timed.perConv[t.convId] + (top?.perConv[t.convId] ?? 0)]));

  // Cursors gap-free: each conversation's cursor = its messages + accepted changes, and the
  // warm store ends with exactly cursors 1..cursor.
  const ids = Object.keys(expected);
  const total = ids.reduce((n, id) => n + expected[id], 0);
  const db = new pg.Client({ connectionString: sw.stack.pgUrl });
  await db.connect();
  try {
    const cursors = await Promise.all(targets.map(async (t) => (await api(url, world.tokens[t.members[0]], 'GET', `/v1/conversations/${t.convId}/changes?after=${expected[t.convId] - 1}&limit=1`)) as { changes: unknown[]; cursor: number }));
    const wrong = targets.filter((t, i) => cursors[i].cursor !== expected[t.convId] || cursors[i].changes.length !== 1);
    ctx.res.check('changes', `${sw.label}: cursor = messages + accepted changes in every conversation`, wrong.length === 0,
      wrong.length === 0 ? `${total} changes in ${ids.length} conversations` : `${wrong.length} conversations wrong, e.g. cursor ${cursors[targets.indexOf(wrong[0])].cursor} for ${expected[wrong[0].convId]}`);
    const stored = async () => Number((await db.query('SELECT count(*) AS n FROM changes WHERE conversation_id = ANY($1)', [ids])).rows[0].n);
    const drained = await until(async () => (await stored()) >= total, 120_000, 100);
    const rows = (await db.query('SELECT conversation_id AS id, count(*) AS n, count(DISTINCT cursor) AS d, min(cursor) AS lo, max(cursor) AS hi FROM changes WHERE conversation_id = ANY($1) GROUP BY conversation_id', [ids])).rows as { id: string; n: string; d: string; lo: string; hi: string }[];
    const bad = ids.filter((id) => {
      const row = rows.find((x) => x.id === id);
      return !row || Number(row.n) !== expected[id] || Number(row.d) !== expected[id] || Number(row.lo) !== 1 || Number(row.hi) !== expected[id];
    });
    ctx.res.check('changes', `${sw.label}: persisted changes == accepted, cursors 1..n`, drained && bad.length === 0,
      `${rows.reduce((n, x) => n + Number(x.n), 0)} rows for ${total} accepted; ${bad.length} conversations wrong${drained ? '' : '; NOT drained within 120 s'}`);
  } finally {
    await db.end();
  }

  // Resume of 1,000 missing changes: ring, both tiers, warm store (in this order: each variant
  // takes from the ring what the next one lacks).
  const resumeTargets = targets.map((t) => ({ convId: t.convId, token: world.tokens[t.members[2]], cursor: expected[t.convId] }));
  const variants = [
    { variant: 'ring', what: 'from the change ring', peer: 'bare ioredis read-changes-2.lua 5×200' },
    { variant: 'mixed', what: '600 from warm + 400 from ring', peer: 'bare pg SELECT 5×200 changes' },
    { variant: 'warm', what: 'from the warm store (ring lost)', peer: 'bare pg SELECT 5×200 changes' },
  ] as const;
  for (const v of variants) {
    const res = await runJob<ResumeJob, ResumeResult>('load/resume-load.ts', {
      wsUrl: sw.stack.wsUrl, redisUrl: sw.stack.redisUrl!, pgUrl: sw.stack.pgUrl!, prefix: sw.stack.prefix, partitions: PARTITIONS,
      targets: resumeTargets, missing: MISSING, page: 200, durationMs: ctx.q(8_000, 2_000), maxSamples: ctx.q(1000, 200), variant: v.variant, keep: 500,
    }, 180_000);
    const lowest = res.ringLowest.map((lo, i) => lo - (resumeTargets[i].cursor - MISSING)); // 1 = the ring holds all 1,000
    const shapeOk = v.variant === 'ring' ? lowest.every((x) => x === 1) : v.variant === 'mixed' ? lowest.every((x) => x === 501) : lowest.every((x) => x === MISSING + 1);
    ctx.res.check('changes', `${sw.label}: resume of ${MISSING} changes ${v.what}: every replay complete, in order`, res.errors === 0 && shapeOk,
      `${res.resumes} resumes, ${res.errors} bad${res.errorSamples.length ? `, e.g. ${res.errorSamples.slice(0, 2).join(' | ')}` : ''}; ring from ${[...new Set(lowest)].join('/')} of the ${MISSING}`);
    const s = summarize(res.latencyMs);
    const p = summarize(res.peerMs);
    const subj = `strata ${sw.label} WS resume 1,000 changes ${v.what}`;
    ctx.res.add({ scenario: 'changes', subject: subj, metric: 'p50', value: s.p50, unit: 'ms', baseline: { subject: `${v.peer} p50`, value: p.p50 }, note: `${res.resumes} resumes` });
    ctx.res.add({ scenario: 'changes', subject: subj, metric: 'p99', value: s.p99, unit: 'ms', baseline: { subject: `${v.peer} p99`, value: p.p99 } });
    ctx.res.latency.push({ scenario: 'changes', subject: `resume 1,000 ${v.variant}`, p50: s.p50, p99: s.p99, p999: s.p999 });
  }
}

export async function syncScenario(ctx: Ctx, sw: StackWorld): Promise<void> {
  const { url } = sw.stack;
  const tag = `sync-${sw.label}`;
  const me = `${tag}-me`;
  const others = Array.from({ length: 20 }, (_, i) => `${tag}-u${i}`);
  const tokens = Object.fromEntries(await Promise.all([me, ...others].map(async (u) => [u, await mintToken(SECRET, u, { ttlS: 3 * 3600 })] as const)));
  const convIds: string[] = [];
  const reactor: Record<string, string> = {};
  await pool(Array.from({ length: 100 }, (_, i) => i), 10, async (i) => {
    const c = await api(url, tokens[me], 'POST', '/v1/conversations', { members: [others[i % 20], others[(i + 7) % 20]], title: `${tag} ${i}`, kind: 'group' });
    convIds.push(c.id);
    reactor[c.id] = others[i % 20];
  });
  const first = await api(url, tokens[me], 'GET', '/v1/sync') as { token: string; conversations: { id: string; cursor: number; status: string }[] };
  const known = Object.fromEntries(first.conversations.filter((c) => convIds.includes(c.id)).map((c) => [c.id, c.cursor]));
  // 10 changes in each since the token: 4 messages, 3 edits, 3 reactions (setup, not measured).
  await pool(convIds, 10, async (id) => {
    const ms: string[] = [];
    for (let k = 0; k < 4; k++) ms.push((await api(url, tokens[me], 'POST', `/v1/conversations/${id}/messages`, { text: `sync ${k}`, client_id: `s-${k}` })).id);
    for (let k = 0; k < 3; k++) await api(url, tokens[me], 'PATCH', `/v1/messages/${ms[k]}`, { text: `sync ${k} edited` });
    for (let k = 0; k < 3; k++) await api(url, tokens[reactor[id]], 'PUT', `/v1/messages/${ms[k]}/reactions/%2B1`);
  });
  const res = await runJob<SyncJob, SyncResult>('load/sync-load.ts', {
    url, token: tokens[me], since: first.token, redisUrl: sw.stack.redisUrl!, prefix: sw.stack.prefix, partitions: PARTITIONS,
    convs: known, changesEach: 10, durationMs: ctx.q(10_000, 3_000), maxSamples: ctx.q(2000, 300),
  }, 180_000);
  ctx.res.check('sync', `${sw.label}: every sync answered all 100 conversations "changed" with their 10 changes`, res.errors === 0 && Object.keys(known).length === 100,
    `${res.syncs} syncs of ${Object.keys(known).length} conversations, ${res.errors} bad${res.errorSamples.length ? `, e.g. ${res.errorSamples.slice(0, 2).join(' | ')}` : ''}`);
  const s = summarize(res.latencyMs);
  const p = summarize(res.peerMs);
  const subject = `strata ${sw.label} GET /v1/sync, 100 conversations × 10 changes`;
  const peer = 'bare ioredis read-changes-2.lua ×100';
  ctx.res.add({ scenario: 'sync', subject, metric: 'p50', value: s.p50, unit: 'ms', baseline: { subject: `${peer} p50`, value: p.p50 }, note: `${res.syncs} syncs, one at a time; answer ${(res.bytes / 1024).toFixed(0)} KiB` });
  ctx.res.add({ scenario: 'sync', subject, metric: 'p99', value: s.p99, unit: 'ms', baseline: { subject: `${peer} p99`, value: p.p99 } });
  ctx.res.latency.push({ scenario: 'sync', subject: `${sw.label} sync 100×10`, p50: s.p50, p99: s.p99, p999: s.p999 });
}
