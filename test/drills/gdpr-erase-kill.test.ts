// Drill (#14): kill -9 of the node running a user's erase job, at random steps, then the job
// resumed by another process converges to the same result as an erase never interrupted.
// Two API nodes (real processes) share Valkey, PostgreSQL and a local archive directory
// (ARCHIVE_URL=file:<dir>; uploads go there too). Two twin datasets — the victim's and a twin
// user's, built by the same operations — each: three conversations with the user's messages
// carrying a unique marker (some archived through POST /v1/admin/archive-jobs, one of those edited
// after: an overlay; some in the warm store only, out of a ring of 3; the newest sent right
// before the erase), edits, a reaction each way, an upload (name and bytes carry the marker)
// attached to a message. The twin is erased without a kill. The victim's erase is started on
// node A; then, in up to KILLS rounds, the drill waits until the job's row has passed a
// randomly chosen step (seeded: DRILL_SEED), waits a random few ms more, and kills with SIGKILL
// the process holding the job's lease `gdpr:<id>` (holder `host:pid:…`, a node this drill
// started), then starts a fresh node in its place (it resumes the job at once: the holder is a
// dead process of this host; the survivor looks every 5 s). The job finishes on whichever node
// takes it last. Then, in one line:
//
//   drill gdpr erase kill -9: kills=… steps_killed_at=… job_state=… markers=… files_rewritten=… duration_ms=…
//
// markers: occurrences of the victim's marker in Valkey (every key of the prefix, type-aware),
// PostgreSQL (every row of every table) and every archive object (raw bytes, gunzipped, every
// Parquet value); mismatches: pages or change logs differing between the two nodes, or from
// the twin's (normalized: ids, times, names, marker), seq or cursor gaps, the victim's messages
// not tombstoned, the others' changed. Fails on any marker or mismatch.
// Only 127.0.0.1; only processes started here are signalled, by PID.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { Redis } from 'ioredis';
import { v7 as uuidv7 } from 'uuid';
import { describe, expect, inject, it } from 'vitest';
import { LocalObjectStore } from '../../src/archive/local-object-store.js';
import { mintToken } from '../../src/auth/tokens.js';
import { objectTexts, sqlRowTexts, traces, valkeyStrings, type ScanClient } from '../helpers/erase-scan.js';
import { NODES_SECRET, startNodes, type NodeCluster } from '../helpers/nodes.js';
import { freePort, waitFor } from '../services/ports.js';
import { rng } from './change-drill-kit.js';
import { countRows, killNode, openStore, until } from './drill-kit.js';

const BIN = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../bin/strata.js');
const KILLS = 3;

type Msg = { id: string; seq: number; sender: string; text: string | null; metadata: unknown; attachments: unknown[]; deleted_at: string | null };
interface Live { url: string; pid: number; kill(): Promise<void> }

/** One more `strata start` on the cluster's Valkey prefix, database and archive (a node replacing a killed one). */
async function spawnNode(cluster: NodeCluster, valkeyUrl: string, env: Record<string, string>): Promise<Live & { output(): string }> {
  const port = await freePort();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-drill-gdpr-'));
  const child = spawn(process.execPath, [BIN, 'start'], {
    env: {
      ...process.env, NODE_ENV: 'development', LOG_LEVEL: 'warn', HOST: '127.0.0.1', PORT: String(port), DATA_DIR: dataDir,
      AUTH_JWT_SECRET: NODES_SECRET, VALKEY_URL: valkeyUrl, VALKEY_PREFIX: cluster.prefix, DATABASE_URL: cluster.databaseUrl, RATE_LIMIT: '0', ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out = (out + d).slice(-20_000)));
  child.stderr!.on('data', (d) => (out = (out + d).slice(-20_000)));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  void exited.then(() => fs.rmSync(dataDir, { recursive: true, force: true }));
  const url = `http://127.0.0.1:${port}`;
  const kill = async () => {
    if (child.exitCode === null && child.signalCode === null) process.kill(child.pid!, 'SIGKILL');
    await exited;
  };
  try {
    await waitFor('strata start (replacement)', async () => {
      if (child.exitCode !== null) throw new Error(`exited with ${child.exitCode}`);
      return (await fetch(`${url}/readyz`)).ok;
    }, 30_000);
  } catch (e) {
    await kill();
    throw new Error(`replacement node did not start: ${(e as Error).message}\n${out}`);
  }
  return { url, pid: child.pid!, kill, output: () => out };
}

async function req(url: string, token: string, method: string, route: string, body?: unknown): Promise<{ status: number; body: any; raw: string }> {
  // a 503 (an edit of a message out of the ring, not stored yet; a backlog) is retried, bounded
  for (let attempt = 0; ; attempt++) {
    const res = await fetch(`${url}${route}`, {
      method, signal: AbortSignal.timeout(30_000),
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const raw = await res.text();
    if (res.status === 503 && attempt < 50) {
      await new Promise((r) => setTimeout(r, 200));
      continue;
    }
    let parsed: any;
    try {
      parsed = raw ? JSON.parse(raw) : undefined;
    } catch {
      parsed = undefined; // not JSON (an empty 204, a file): the raw text is there
    }
    return { status: res.status, body: parsed, raw };
  }
}

function ok<T extends { status: number; raw: string }>(r: T, status: number, what: string): T {
  if (r.status !== status) throw new Error(`${what}: ${r.status} ${r.raw.slice(0, 300)}`);
  return r;
}

describe('drill: kill -9 of the node running an erase job, at random steps', () => {
  it('the resumed erase leaves 0 markers in Valkey, PostgreSQL and the archive, and ends where an uninterrupted erase of a twin ends', async () => {
    const t0 = Date.now();
    const seed = Number(process.env.DRILL_SEED ?? Date.now() % 1_000_000);
    const r = rng(seed);
    const valkeyUrl = inject('valkeyUrl');
    const archiveDir = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-drill-archive-'));
    const env = { ARCHIVE_URL: `file:${archiveDir}`, RECENT_LIMIT: '3', PERSIST_CLAIM_IDLE_MS: '1000' };
    let cluster: NodeCluster | undefined;
    const spawned: Live[] = [];
    let store: Awaited<ReturnType<typeof openStore>> | undefined;
    const valkey = new Redis(valkeyUrl, { maxRetriesPerRequest: 1 });
    try {
      cluster = await startNodes(2, { valkeyUrl, databaseUrl: inject('databaseUrl'), env });
      const c = cluster;
      store = await openStore(c.databaseUrl);
      const db = store;
      let live: Live[] = c.nodes.map((n) => ({ url: n.url, pid: n.pid, kill: () => killNode(n.url, n.pid) }));
      const admin = await mintToken(NODES_SECRET, 'root', { admin: true, ttlS: 3600 });
      const run = uuidv7().replace(/-/g, '').slice(-12);
      const marker = `ZQK${uuidv7().replace(/-/g, '')}`;
      const api = () => live[0].url;

      const archiveTo = async (conv: string, upTo: number) => {
        expect(await until(async () => (await countRows(db, [conv])) >= upTo, 30_000)).toBe(true);
        const url = api();
        const job = ok(await req(url, admin, 'POST', '/v1/admin/archive-jobs', { conversation_id: conv, up_to_seq: upTo }), 202, 'archive job').body;
        expect(await until(async () => (await req(url, admin, 'GET', `/v1/admin/archive-jobs/${job.id}`)).body.status === 'done', 30_000)).toBe(true);
      };

      /** A user's data in three conversations (every tier), by the same operations for the victim and the twin. */
      async function dataset(user: string, others: [string, string], mark: string) {
        const [u, o1, o2] = await Promise.all([c.token(user), c.token(others[0]), c.token(others[1])]);
        const url = api();
        const conv = async (creator: string, members: string[]) => ok(await req(url, creator, 'POST', '/v1/conversations', { members, title: 'erase drill' }), 201, 'conversation').body.id as string;
        const send = async (conv: string, token: string, body: Record<string, unknown>) => ok(await req(url, token, 'POST', `/v1/conversations/${conv}/messages`, body), 201, 'send').body as Msg;
        const convs = [await conv(u, [others[0]]), await conv(o1, [user, others[1]]), await conv(o2, [user])];
        const mine: Msg[][] = [[], [], []];
        const theirs: Msg[][] = [[], [], []];
        // conversation 0: archived (one edited before, one after archiving: an overlay), then warm
        for (let i = 0; i < 4; i++) {
          mine[0].push(await send(convs[0], u, { text: `${mark} archived ${i}`, metadata: { note: `${mark} meta ${i}` }, client_id: `a-${i}` }));
          theirs[0].push(await send(convs[0], o1, { text: `reply ${i}` }));
        }
        ok(await req(url, u, 'PATCH', `/v1/messages/${mine[0][1].id}`, { text: `${mark} edited before archiving` }), 200, 'edit');
        await archiveTo(convs[0], 6);
        ok(await req(url, u, 'PATCH', `/v1/messages/${mine[0][0].id}`, { text: `${mark} edited after archiving` }), 200, 'edit');
        for (let i = 0; i < 3; i++) mine[0].push(await send(convs[0], u, { text: `${mark} warm ${i}`, client_id: `w-${i}` }));
        theirs[0].push(await send(convs[0], o1, { text: 'late reply' }));
        // conversation 1 (a group): an upload, reactions each way, warm messages out of the ring
        const file = Buffer.from(`file bytes ${mark}`);
        const ticket = ok(await req(url, u, 'POST', `/v1/conversations/${convs[1]}/uploads`, { name: `${mark}.txt`, size: file.length, content_type: 'text/plain' }), 201, 'upload').body;
        const put = await fetch(new URL(ticket.upload.url, url), { method: 'PUT', headers: ticket.upload.headers, body: file });
        expect(put.ok, await put.text()).toBe(true);
        mine[1].push(await send(convs[1], u, { text: `${mark} with a file`, attachments: [ticket.id], client_id: 'file-1' }));
        for (let i = 0; i < 3; i++) {
          theirs[1].push(await send(convs[1], o2, { text: `group ${i}` }));
          mine[1].push(await send(convs[1], u, { text: `${mark} group ${i}`, metadata: { k: `${mark}` }, client_id: `g-${i}` }));
        }
        ok(await req(url, u, 'PUT', `/v1/messages/${theirs[1][0].id}/reactions/${encodeURIComponent('👍')}`), 204, 'reaction');
        ok(await req(url, o1, 'PUT', `/v1/messages/${mine[1][1].id}/reactions/${encodeURIComponent('🎉')}`), 204, 'reaction');
        ok(await req(url, u, 'PATCH', `/v1/messages/${mine[1][3].id}`, { text: `${mark} edited in the ring` }), 200, 'edit');
        // conversation 2: sent right before the erase (newest: in the ring, maybe not stored yet)
        const tail = async () => {
          theirs[2].push(await send(convs[2], o2, { text: 'hello' }));
          for (let i = 0; i < 2; i++) mine[2].push(await send(convs[2], u, { text: `${mark} ring ${i}`, client_id: `r-${i}` }));
        };
        return { user, others, convs, tokens: { u, o1, o2 }, mine, theirs, tail };
      }
      type Dataset = Awaited<ReturnType<typeof dataset>>;

      const page = async (url: string, d: Dataset, conv: string) => ok(await req(url, readerOf(d, conv), 'GET', `/v1/conversations/${conv}/messages?after=0&limit=200`), 200, 'page');
      const changes = async (url: string, d: Dataset, conv: string) => ok(await req(url, readerOf(d, conv), 'GET', `/v1/conversations/${conv}/changes?after=0&limit=1000`), 200, 'changes');
      function readerOf(d: Dataset, conv: string): string {
        return d.convs.indexOf(conv) === 2 ? d.tokens.o2 : d.tokens.o1;
      }
      const jobOf = async (user: string, id: string) => (await req(api(), admin, 'GET', `/v1/admin/users/${user}/jobs/${id}`)).body;
      const erase = async (d: Dataset) => ok(await req(api(), admin, 'POST', `/v1/admin/users/${d.user}/erase`), 202, 'erase').body.id as string;

      // the twin: built and erased without a kill
      const twin = await dataset(`fred${run}`, [`gina${run}`, `hank${run}`], `${marker}T`);
      await twin.tail();
      const twinJob = await erase(twin);
      expect(await until(async () => ['done', 'failed'].includes((await jobOf(twin.user, twinJob)).state), 60_000, 200)).toBe(true);
      const twinDone = await jobOf(twin.user, twinJob);
      expect(twinDone.state).toBe('done');

      // the victim: the same operations, then the erase killed at random steps
      const victim = await dataset(`erin${run}`, [`ivan${run}`, `jill${run}`], `${marker}V`);
      await victim.tail();
      const before = new Map<string, Msg[]>();
      for (const conv of victim.convs) before.set(conv, (await page(api(), victim, conv)).body.messages);
      const tErase = Date.now();
      const id = await erase(victim);
      const row = async () => db.db.selectFrom('gdpr_jobs').selectAll().where('id', '=', id).executeTakeFirst() as Promise<any>;
      const holderPid = async () => {
        const l = await db.db.selectFrom('leases').select('holder').where('name', '=', `gdpr:${id}`).executeTakeFirst();
        return l ? Number(l.holder.split(':')[1]) : undefined;
      };
      const parse = (v: unknown) => (typeof v === 'string' ? JSON.parse(v) : v) as { conversations: string[]; i: number; phase: string } | null;
      // steps done so far, from the saved cursor: plan, then 3 per conversation, reactions, user, verify
      const stepsDone = (j: any) => {
        const cur = parse(j.cursor);
        if (j.state === 'done') return Infinity;
        if (!cur) return 0;
        const n = cur.conversations.length;
        if (cur.i < n) return 1 + cur.i * 3 + ['tombstone', 'scrub', 'archive'].indexOf(cur.phase);
        return 1 + 3 * n + ['tombstone', 'reactions', 'user', 'verify', 'done'].indexOf(cur.phase);
      };
      const inProgress = (j: any) => {
        const cur = parse(j.cursor);
        if (j.state === 'done') return 'done';
        if (!cur) return 'plan';
        const ci = victim.convs.indexOf(cur.conversations[cur.i]);
        return cur.i < cur.conversations.length && ['tombstone', 'scrub', 'archive'].includes(cur.phase) ? `${cur.phase}:c${ci}` : cur.phase;
      };
      const killedAt: string[] = [];
      const holders: number[] = [];
      let target = 0;
      for (let k = 0; k < KILLS; k++) {
        // after the steps done at the last kill: a random step ahead (13 steps for 3 conversations)
        const done0 = stepsDone(await row());
        target = Math.max(target, done0) + Math.floor(r() * 4) + (k === 0 ? 0 : 1);
        const extraMs = Math.floor(r() * 60);
        let pid: number | undefined;
        const reached = await until(async () => {
          const j = await row();
          if (j.state === 'done' || j.state === 'failed') return true;
          pid = await holderPid();
          return stepsDone(j) >= target && pid !== undefined && live.some((n) => n.pid === pid);
        }, 40_000, 5);
        expect(reached, `job ${id} reaches step ${target} under a live holder`).toBe(true);
        if (['done', 'failed'].includes((await row()).state)) break;
        await new Promise((res) => setTimeout(res, extraMs));
        pid = await holderPid();
        const victimNode = live.find((n) => n.pid === pid);
        const j = await row();
        if (!victimNode || j.state === 'done') break;
        await victimNode.kill();
        killedAt.push(`${inProgress(await row())}@${stepsDone(await row())}`);
        holders.push(pid!);
        live = live.filter((n) => n !== victimNode);
        const fresh = await spawnNode(c, valkeyUrl, env);
        spawned.push(fresh);
        live.push(fresh);
      }
      const finished = await until(async () => ['done', 'failed'].includes((await row()).state), 60_000, 100);
      const job = await jobOf(victim.user, id);
      const durationMs = Date.now() - tErase;
      expect(finished, `job ${id} finished; state ${job?.state} step ${job?.step}`).toBe(true);

      // checks: pages and change logs the same from both live nodes, equal to the twin's, tombstones, gap-free
      const mismatches: string[] = [];
      const norm = (d: Dataset, s: string, mark: string) => [d.user, ...d.others].reduce((x, name, i) => x.replaceAll(name, `U${i}`), s.replaceAll(mark, 'M'))
        .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, 'ID').replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/g, 'T');
      const shape = async (d: Dataset, mark: string) => {
        const out: string[] = [];
        for (const conv of d.convs) {
          const msgs = (await page(live[0].url, d, conv)).body.messages as Msg[];
          const chg = (await changes(live[0].url, d, conv)).body.changes as { type: string }[];
          const removals = new Set<string>();
          // a kill between a reaction's removal change and its row records the removal twice (docs/gdpr.md)
          const log = chg.map((x) => norm(d, JSON.stringify(x), mark).replace(/"cursor":\d+,?/, '')).filter((s, i) => {
            if (chg[i].type !== 'reaction' || !s.includes('"removed":true')) return true;
            if (removals.has(s)) return false;
            removals.add(s);
            return true;
          });
          out.push(...msgs.map((m) => norm(d, JSON.stringify(m), mark)), '--', ...log, '==');
        }
        return out;
      };
      for (const conv of victim.convs) {
        const ci = `c${victim.convs.indexOf(conv)}`;
        const pages = await Promise.all(live.map((n) => page(n.url, victim, conv)));
        const logs = await Promise.all(live.map((n) => changes(n.url, victim, conv)));
        if (pages[0].raw !== pages[1].raw) mismatches.push(`${ci}: pages differ between ${live[0].url} and ${live[1].url}`);
        if (logs[0].raw !== logs[1].raw) mismatches.push(`${ci}: change logs differ between the nodes`);
        const msgs = pages[0].body.messages as Msg[];
        const was = before.get(conv)!;
        if (msgs.map((m) => m.seq).join() !== was.map((_, i) => i + 1).join()) mismatches.push(`${ci}: seqs ${msgs.map((m) => m.seq).join()} (before: ${was.length})`);
        for (const [i, m] of msgs.entries()) {
          if (m.id !== was[i]?.id) mismatches.push(`${ci} seq ${m.seq}: id ${m.id} was ${was[i]?.id}`);
          else if (m.sender === victim.user) {
            if (m.text !== null || m.metadata !== null || m.attachments.length || m.deleted_at === null) mismatches.push(`${ci} seq ${m.seq}: not a tombstone: ${JSON.stringify(m).slice(0, 200)}`);
          } else if (JSON.stringify(m) !== JSON.stringify(was[i])) mismatches.push(`${ci} seq ${m.seq}: another's message changed`);
        }
        const cursors = (logs[0].body.changes as { cursor: number }[]).map((x) => x.cursor);
        if (cursors.join() !== cursors.map((_, i) => i + 1).join()) mismatches.push(`${ci}: change cursors not 1..${cursors.length}`);
      }
      const [got, want] = [await shape(victim, `${marker}V`), await shape(twin, `${marker}T`)];
      for (let i = 0; i < Math.max(got.length, want.length); i++) {
        if (got[i] !== want[i]) mismatches.push(`vs twin line ${i}: ${got[i]?.slice(0, 240)} ≠ ${want[i]?.slice(0, 240)}`);
      }

      // the scan: 0 occurrences of the victim's marker anywhere
      const scanned = [await valkeyStrings(valkey as unknown as ScanClient, c.prefix), await sqlRowTexts(db.db, 'postgres'), await objectTexts(new LocalObjectStore(archiveDir))] as const;
      const found = traces(`${marker}V`, ...scanned);
      const twinFound = traces(`${marker}T`, ...scanned);
      const markers = found.hot + found.rows.length + found.objects.length;
      const twinMarkers = twinFound.hot + twinFound.rows.length + twinFound.objects.length;
      const line = `drill gdpr erase kill -9: kills=${killedAt.length} steps_killed_at=${killedAt.join(',') || 'none'} job_state=${job.state} markers=${markers} `
        + `files_rewritten=${job.progress?.files_rewritten} duration_ms=${durationMs} mismatches=${mismatches.length} twin_markers=${twinMarkers} messages_erased=${job.progress?.messages_erased} `
        + `changes_rewritten=${job.progress?.changes_rewritten} twin_counters=${twinDone.progress?.messages_erased}/${twinDone.progress?.changes_rewritten}/${twinDone.progress?.files_rewritten} reactions_removed=${job.progress?.reactions_removed} uploads_deleted=${job.progress?.uploads_deleted} `
        + `holders_killed=${holders.join('/')} scanned_bytes=${found.bytesScanned} objects=${found.objectCount} seed=${seed} total_ms=${Date.now() - t0}`;
      console.log(line);
      if (markers) console.log(`markers: hot ${found.hot}; rows ${found.rows.slice(0, 8).join(' | ')}; objects ${found.objects.join(', ')}`);
      if (mismatches.length) console.log(mismatches.slice(0, 20).join('\n'));
      expect(job.state, job.error).toBe('done');
      expect(killedAt.length).toBeGreaterThan(0);
      expect({ hot: found.hot, rows: found.rows, objects: found.objects }).toEqual({ hot: 0, rows: [], objects: [] });
      expect(twinMarkers).toBe(0);
      expect(mismatches).toEqual([]);
      expect(job.progress.files_rewritten).toBeGreaterThan(0);
    } finally {
      valkey.disconnect();
      await store?.close();
      await Promise.all(spawned.map((n) => n.kill()));
      await cluster?.stop();
      fs.rmSync(archiveDir, { recursive: true, force: true });
    }
  }, 120_000);
});
