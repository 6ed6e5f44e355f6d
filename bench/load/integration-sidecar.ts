// The far ends of Strata's integrations, in a process of their own (the harness and the load
// generators never share its loop): a before-send hook that answers {"action":"accept"} after
// HOOK_DELAY_MS (a fast policy service), and a webhook receiver that answers 200 at once and
// notes when each message change arrived, and a Web Push service (push-service.ts) that checks
// VAPID and decrypts every push. All count what they saw; the harness takes the counts (`take`)
// after each block of load and checks them against what was acked.
// Protocol (IPC): → {start: {hookDelayMs, vapidPublicKey}} ← {started: {hookUrl, webhookUrl}};
// → {subscribe: n} ← {subscribed: BenchSubscription[]};
// → {take: true} ← {taken: Taken} (what arrived since the previous take); → {exit: true}.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { isMain } from '../lib/proc.js';
import { freshPushTaken, startBenchPushService, type PushTaken } from './push-service.js';

export interface Taken {
  /** client_id of every hook request, in arrival order. */
  hookClientIds: string[];
  /** Requests at the hook that were not a before_send message. */
  hookOdd: number;
  /** Webhook message changes: conversation id, message seq, arrival epoch ms (sub-ms). */
  webhookConvs: string[];
  webhookSeqs: number[];
  webhookAt: number[];
  /** Webhook requests that were not a message change (or did not parse). */
  webhookOdd: number;
  /** Pushes that passed the push service's checks, and those refused. */
  push: PushTaken;
}

const now = () => performance.timeOrigin + performance.now();

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

async function listen(server: http.Server): Promise<string> {
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function fresh(): Taken {
  return { hookClientIds: [], hookOdd: 0, webhookConvs: [], webhookSeqs: [], webhookAt: [], webhookOdd: 0, push: freshPushTaken() };
}

async function start(o: { hookDelayMs: number; vapidPublicKey: string }) {
  let t = fresh();
  const hook = http.createServer(async (req, res) => {
    const body = await readBody(req);
    try {
      const m = (JSON.parse(body) as { type?: string; message?: { client_id?: string } });
      if (m.type === 'before_send' && typeof m.message?.client_id === 'string') t.hookClientIds.push(m.message.client_id);
      else t.hookOdd++;
    } catch {
      t.hookOdd++; // not JSON: counted, answered like the others
    }
    setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end('{"action":"accept"}'), o.hookDelayMs);
  });
  const webhook = http.createServer(async (req, res) => {
    const body = await readBody(req);
    const at = now();
    res.writeHead(200).end();
    try {
      const e = JSON.parse(body) as { type?: string; conversation_id?: string; data?: { message?: { seq?: number } } };
      if (e.type === 'message' && e.conversation_id && typeof e.data?.message?.seq === 'number') {
        t.webhookConvs.push(e.conversation_id);
        t.webhookSeqs.push(e.data.message.seq);
        t.webhookAt.push(at);
      } else t.webhookOdd++;
    } catch {
      t.webhookOdd++; // not JSON: counted
    }
  });
  const [hookUrl, webhookUrl, push] = await Promise.all([listen(hook), listen(webhook), startBenchPushService(o.vapidPublicKey, now)]);
  return {
    urls: { hookUrl: `${hookUrl}/hook`, webhookUrl: `${webhookUrl}/webhook` },
    subscribe: (n: number) => push.subscribe(n),
    take(): Taken {
      const out = t;
      t = fresh();
      out.push = push.take();
      return out;
    },
  };
}

if (isMain(import.meta.url)) {
  let side: Awaited<ReturnType<typeof start>> | undefined;
  process.on('message', (m: any) => {
    if (m?.exit) process.exit(0);
    if (m?.start) {
      start(m.start).then((s) => {
        side = s;
        process.send!({ started: s.urls });
      }, (e) => process.send!({ error: (e as Error).stack ?? String(e) }));
    }
    if (m?.take) process.send!(side ? { taken: side.take() } : { error: 'take before start' });
    if (m?.subscribe) process.send!(side ? { subscribed: side.subscribe(m.subscribe) } : { error: 'subscribe before start' });
  });
  process.send!({ ready: true });
}
