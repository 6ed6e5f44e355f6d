// Scenario "connections" (issue #16 §2, idle connections): 50,000 idle sockets on one node
// (quick: 2,000), loopback only, held by a bare `ws` server (baselines/broadcast-server.ts, with
// the same heartbeat as Strata's gateway: a ping every 15 s) and by Strata's WS gateway, one after
// the other in the same run. For each:
//   RSS per idle socket   the server process's resident set before the sockets connect and after
//                         they have sat idle (Strata: every socket got its ready frame), divided by
//                         their number. Goal (Strata): ≤ 10 KB; Centrifugo's reference ≈ 30 KB.
//   CPU per idle socket   user + system CPU of the server process (/proc/<pid>/stat) over an idle
//   per minute            window (30 s = two heartbeats; quick: 5 s, less than one heartbeat
//                         period, so only indicative), per socket, scaled to a minute.
// 50,000 sockets need more file descriptors than the usual limits: the server's and every
// receiver's RLIMIT_NOFILE is raised with `prlimit --pid` (lib/proc.ts raiseNofile; the hard
// limit needs CAP_SYS_RESOURCE). When that fails the run says so (skipped, with prlimit's answer)
// and measures at the largest count that fits both servers — never silently. One source address
// has ~28k ephemeral ports towards one destination, so the client sockets are spread over
// 127.0.0.x source addresses (≤ 12,500 each; each server its own set) and over 4 receiver
// processes (quick: 2). Checks: every socket connected and still open after the idle window
// (counted by the receivers), Strata: every socket got its ready frame.
import fs from 'node:fs';
import type { ChildProcess } from 'node:child_process';
import type { Ctx, StackWorld } from '../lib/context.js';
import { cpuMicros } from '../lib/cpu.js';
import { gatewayAvailable } from '../lib/gateway.js';
import { forkTs, nextMessage, nofileLimit, openFds, raiseNofile, sleep, type NofileRaise } from '../lib/proc.js';
import { startReceivers } from '../lib/receivers.js';
import { fmt } from '../lib/report.js';
import type { ReceiverJob } from '../load/fanout-clients.js';

const rss = (pid: number) => Number(/VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN) * 1024;

/** Strata's heartbeat with the default WS_IDLE_TIMEOUT_S=60 (ws/sessions.ts: min(15 s, 60 s / 3)). */
const HEARTBEAT_MS = 15_000;
/** Client sockets per loopback source address (~28k ephemeral ports per destination). */
const PER_ADDRESS = 12_500;
/** File descriptors a process may need besides its sockets (Strata: pools, logs; receivers: Node). */
const FD_MARGIN = 256;
const GOAL_KB = 10;
const CENTRIFUGO_KB = 30;

const log = (msg: string) => process.stderr.write(`[bench connections ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);

/** Whether this process may raise hard limits (CAP_SYS_RESOURCE, bit 24 of CapEff). */
function capSysResource(): boolean | undefined {
  try {
    const hex = /^CapEff:\s+([0-9a-f]+)/m.exec(fs.readFileSync('/proc/self/status', 'utf8'))?.[1];
    return hex ? ((BigInt(`0x${hex}`) >> 24n) & 1n) === 1n : undefined;
  } catch {
    return undefined;
  }
}

const why = (r: NofileRaise & { label?: string }) =>
  `${r.label ?? 'process'} (pid ${r.pid}): open-file limit ${r.soft}/${r.hard} (soft/hard) < ${r.want} asked — ${r.error ?? 'not raised'}` +
  (capSysResource() === false ? ' (this harness lacks CAP_SYS_RESOURCE, which raising a hard limit needs)' : '');

interface Subject {
  /** "bare ws server", "strata valkey-pg WS gateway" */
  name: string;
  pid: number;
  rss(): number;
  kind: 'ws' | 'strata';
  url: string;
  socket(i: number): ReceiverJob['sockets'][number];
  /** First source address 127.0.0.<addrBase> (each subject its own, so no port of the other's TIME_WAIT is in the way). */
  addrBase: number;
  /** Strata: wait for every socket's ready frame before measuring. */
  ready: boolean;
  settleMs: number;
}

interface Idle {
  n: number;
  connected: number;
  failed: number;
  errors: string[];
  open: number;
  ready: number;
  rssBefore: number;
  rssSettled: number;
  rssAfter: number;
  perKb: number;
  cpuUsPerSocketMin: number;
  windowS: number;
  fdsBefore: number;
  fdsAfter: number;
  addresses: number;
}

async function idle(ctx: Ctx, s: Subject, n: number, procs: number, receiverLimits: (NofileRaise & { label: string })[]): Promise<Idle> {
  const addresses = Math.max(2, Math.ceil(n / PER_ADDRESS));
  if (s.addrBase + addresses > 255) throw new Error(`${n} sockets need ${addresses} source addresses from 127.0.0.${s.addrBase}: too many`);
  const sockets = Array.from({ length: n }, (_, i) => ({ ...s.socket(i), localAddress: `127.0.0.${s.addrBase + (i % addresses)}` }));
  const windowMs = ctx.q(30_000, 5_000);
  await sleep(s.settleMs);
  const rssBefore = s.rss();
  const fdsBefore = openFds(s.pid);
  log(`${s.name}: ${n} sockets from ${procs} receivers over 127.0.0.${s.addrBase}–${s.addrBase + addresses - 1}`);
  const t0 = Date.now();
  const rx = await startReceivers({ kind: s.kind, url: s.url, expect: 0, timeoutMs: 0, tolerateConnectErrors: true }, sockets, procs, {
    connectTimeoutMs: 600_000,
    onStart: (child: ChildProcess, mine: number) => {
      const r = raiseNofile(child.pid!, mine + FD_MARGIN);
      if (!r.ok) receiverLimits.push({ ...r, label: `receiver of ${s.name}` });
    },
  });
  try {
    log(`${s.name}: ${rx.connected} connected, ${rx.failed} failed in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    if (s.ready) {
      // Strata: the socket is set up (subscribed, presence) when its ready frame arrives.
      const deadline = Date.now() + ctx.q(120_000, 30_000);
      while ((await rx.status()).ready < rx.connected && Date.now() < deadline) await sleep(1000);
    }
    await sleep(s.settleMs);
    const rssSettled = s.rss();
    // The idle window: nothing is sent; what the server does is its heartbeat (and, Strata, its
    // presence refresh and ban sweep).
    const c0 = cpuMicros(s.pid);
    const w0 = performance.now();
    await sleep(windowMs);
    const c1 = cpuMicros(s.pid);
    const windowS = (performance.now() - w0) / 1000;
    const rssAfter = s.rss();
    const st = await rx.status();
    const fdsAfter = openFds(s.pid);
    const sock = Math.max(1, st.open);
    return {
      n, connected: rx.connected, failed: rx.failed, errors: rx.errors, open: st.open, ready: st.ready,
      rssBefore, rssSettled, rssAfter, perKb: (rssAfter - rssBefore) / sock / 1024,
      cpuUsPerSocketMin: (c1 - c0) / sock / (windowS / 60), windowS, fdsBefore, fdsAfter, addresses,
    };
  } finally {
    await rx.close();
  }
}

function report(ctx: Ctx, s: Subject, r: Idle, base?: { subject: string; idle: Idle }) {
  const mb = (b: number) => (b / 2 ** 20).toFixed(0);
  const quickNote = ctx.quick ? '; quick: the window is shorter than the 15 s heartbeat, indicative only' : '';
  ctx.res.add({
    scenario: 'connections', subject: s.name, metric: `RSS per idle socket (${r.n})`, value: r.perKb, unit: 'KB',
    ...(base ? { baseline: { subject: base.subject, value: base.idle.perKb }, goal: `<= ${GOAL_KB} KB`, met: Number.isFinite(r.perKb) && r.perKb <= GOAL_KB } : {}),
    note: `RSS ${mb(r.rssBefore)} → ${mb(r.rssSettled)} MB connected, ${mb(r.rssAfter)} MB after ${r.windowS.toFixed(0)} s idle; reference: Centrifugo ≈ ${CENTRIFUGO_KB} KB per idle connection`,
  });
  ctx.res.add({
    scenario: 'connections', subject: s.name, metric: `CPU per idle socket per minute (${r.n})`, value: r.cpuUsPerSocketMin, unit: 'µs',
    ...(base ? { baseline: { subject: base.subject, value: base.idle.cpuUsPerSocketMin } } : {}),
    note: `user + system of the server process over ${r.windowS.toFixed(1)} s idle, heartbeat every ${HEARTBEAT_MS / 1000} s${quickNote}`,
  });
  const ok = r.connected === r.n && r.open === r.n && (!s.ready || r.ready === r.n);
  ctx.res.check('connections', `${s.name}: ${r.n} sockets connected and open after the idle window`, ok,
    `${r.connected} connected, ${r.failed} failed, ${r.open} open after ${r.windowS.toFixed(0)} s idle${s.ready ? `, ${r.ready} got ready` : ''}; ` +
    `server fds ${r.fdsBefore} → ${r.fdsAfter}; ${r.addresses} source addresses; RSS ${mb(r.rssBefore)} → ${mb(r.rssAfter)} MB` +
    (r.errors.length ? `; errors: ${r.errors.join('; ')}` : ''));
}

export async function connectionsScenario(ctx: Ctx, sw: StackWorld): Promise<void> {
  const want = ctx.q(50_000, 2_000);
  let procs = ctx.q(4, 2);
  const server = forkTs('baselines/broadcast-server.ts');
  const exited = new Promise((r) => server.once('exit', r));
  const receiverLimits: (NofileRaise & { label: string })[] = [];
  let baseline: Idle | undefined;
  let n = want;
  const subjectBase = 'bare ws server';
  try {
    await nextMessage(server, 30_000, (m) => m?.ready);
    server.send({ start: { mode: 'ws-plain', heartbeatMs: HEARTBEAT_MS } });
    const { listening } = await nextMessage<{ listening: number }>(server, 30_000, (m) => m?.listening);

    // Open-file limits of both servers, so both hold the same number of sockets.
    const limits = [
      { ...raiseNofile(server.pid!, want + FD_MARGIN), label: subjectBase },
      { ...raiseNofile(sw.stack.pid, want + FD_MARGIN), label: `strata ${sw.label}` },
    ];
    const short = limits.filter((l) => !l.ok);
    if (short.length) {
      const fits = Math.min(...limits.map((l) => l.soft - openFds(l.pid) - FD_MARGIN));
      n = Math.max(0, Math.min(want, fits));
      // Receivers inherit this process's limit; without raising theirs, each holds at most that.
      const own = nofileLimit(process.pid).soft - FD_MARGIN;
      if (own > 0) procs = Math.max(procs, Math.ceil(n / own));
      ctx.res.skipped.push({ scenario: 'connections', reason: `${want} idle sockets asked, measured at ${n} (the most both servers' open-file limits allow): ${short.map(why).join('; ')}` });
      log(`open-file limit: measuring at ${n} sockets, not ${want}: ${short.map(why).join('; ')}`);
    }
    if (n < 1) return;

    // Baseline: bare ws server, the same number of idle sockets, the same heartbeat.
    const subject: Subject = {
      name: subjectBase, pid: server.pid!, rss: () => rss(server.pid!), kind: 'ws', url: `ws://127.0.0.1:${listening}/`,
      socket: (i) => ({ room: String(i % 100) }), addrBase: 11, ready: false, settleMs: 500,
    };
    baseline = await idle(ctx, subject, n, procs, receiverLimits);
    report(ctx, subject, baseline);
    ctx.shared.bareSocketKb = baseline.perKb;
  } finally {
    if (server.exitCode === null && server.signalCode === null) {
      server.send({ exit: true });
      await exited;
    }
  }
  if (n < 1) return;
  const missing = await gatewayAvailable(sw.stack, sw.world.users[0].token);
  if (missing) {
    ctx.res.skipped.push({ scenario: 'connections', reason: `strata ${sw.label}: ${missing}` });
  } else {
    const users = sw.world.users;
    const subject: Subject = {
      name: `strata ${sw.label} WS gateway`, pid: sw.stack.pid, rss: () => sw.stack.rssBytes(), kind: 'strata', url: sw.stack.wsUrl,
      socket: (i) => ({ token: users[i % users.length].token }), addrBase: 31, ready: true, settleMs: ctx.q(3000, 2000),
    };
    const r = await idle(ctx, subject, n, procs, receiverLimits);
    report(ctx, subject, r, baseline && { subject: subjectBase, idle: baseline });
    log(`${subject.name}: ${fmt(r.perKb, 'KB')} per socket (bare ws ${fmt(baseline?.perKb ?? NaN, 'KB')}), CPU ${fmt(r.cpuUsPerSocketMin, 'µs')} per socket per minute (bare ws ${fmt(baseline?.cpuUsPerSocketMin ?? NaN, 'µs')})`);
  }
  if (receiverLimits.length) {
    ctx.res.skipped.push({ scenario: 'connections', reason: `receiver open-file limits not raised (their sockets over the limit fail to connect, counted in the checks): ${receiverLimits.map(why).join('; ')}` });
  }
}
