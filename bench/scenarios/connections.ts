// Scenario "connections": RSS per idle socket at 10,000 sockets (quick: 2,000) — the Strata
// process's resident set before and after the sockets connect, divided by their number —
// beside a bare `ws` server holding the same number of sockets. Goal: ≤ 30 KB per socket.
import type { Ctx, StackWorld } from '../lib/context.js';
import { gatewayAvailable } from '../lib/gateway.js';
import { forkTs, nextMessage, sleep } from '../lib/proc.js';
import { startReceivers } from '../lib/receivers.js';
import fs from 'node:fs';

const rss = (pid: number) => Number(/VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN) * 1024;

export async function connectionsScenario(ctx: Ctx, sw: StackWorld): Promise<void> {
  const n = ctx.q(10_000, 2_000);
  // Baseline: bare ws server, the same number of idle sockets.
  const server = forkTs('baselines/broadcast-server.ts');
  const exited = new Promise((r) => server.once('exit', r));
  try {
    await nextMessage(server, 30_000, (m) => m?.ready);
    server.send({ start: { mode: 'ws-plain' } });
    const { listening } = await nextMessage<{ listening: number }>(server, 30_000, (m) => m?.listening);
    await sleep(500);
    const before = rss(server.pid!);
    const rx = await startReceivers({ kind: 'ws', url: `ws://127.0.0.1:${listening}/`, expect: 0, timeoutMs: 0 }, Array.from({ length: n }, (_, i) => ({ room: String(i % 100) })), 2);
    await sleep(2000);
    const per = (rss(server.pid!) - before) / n;
    await rx.close();
    ctx.res.add({ scenario: 'connections', subject: 'baseline bare ws server', metric: `RSS per idle socket (${n})`, value: per / 1024, unit: 'KB' });
    ctx.shared.bareSocketKb = per / 1024;
  } finally {
    server.send({ exit: true });
    await exited;
  }
  const missing = await gatewayAvailable(sw.stack, sw.world.users[0].token);
  if (missing) {
    ctx.res.skipped.push({ scenario: 'connections', reason: `strata ${sw.label}: ${missing}` });
    return;
  }
  await sleep(2000);
  const before = sw.stack.rssBytes();
  const users = sw.world.users;
  const rx = await startReceivers({ kind: 'strata', url: sw.stack.wsUrl, expect: 0, timeoutMs: 0 }, Array.from({ length: n }, (_, i) => ({ token: users[i % users.length].token })), 2);
  await sleep(3000);
  const after = sw.stack.rssBytes();
  await rx.close();
  const perKb = (after - before) / n / 1024;
  ctx.res.add({ scenario: 'connections', subject: `strata ${sw.label} WS gateway`, metric: `RSS per idle socket (${n})`, value: perKb, unit: 'KB', baseline: { subject: 'bare ws server', value: ctx.shared.bareSocketKb }, goal: '<= 30 KB', met: perKb <= 30 });
  ctx.res.check('connections', `strata ${sw.label}: ${n} sockets connected`, true, `RSS ${(before / 2 ** 20).toFixed(0)} → ${(after / 2 ** 20).toFixed(0)} MB`);
}
