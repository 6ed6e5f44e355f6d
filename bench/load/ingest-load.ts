// Load generator (a child process of its own): sends messages to Strata over REST or the
// WebSocket gateway, closed-loop (`concurrency` sends in flight) or open-loop (`ratePerS`),
// and records what was acknowledged: ack latency, acks per time bucket, and every acked
// (conversation, seq) so the harness can check for losses, duplicates and gaps.
import http from 'node:http';
import WebSocket from 'ws';
import { cpuMicros } from '../lib/cpu.js';
import { isMain, serveJob } from '../lib/proc.js';
import { int, rng, text } from '../lib/rng.js';
import { Samples, Timeline } from '../lib/stats.js';

export interface IngestJob {
  transport: 'rest' | 'ws';
  url: string;
  wsUrl: string;
  convs: { id: string; members: string[] }[];
  tokens: Record<string, string>;
  /** Closed loop: sends in flight (REST: connections; WS: sockets × 1). */
  concurrency: number;
  durationMs: number;
  /** Stop after this many acks in total (0 = no cap). */
  maxMessages: number;
  seed: number;
  tag: string;
  /** REST: the k-th send goes to conversation k mod convs (even fill), instead of a random one. */
  roundRobin?: boolean;
  /** Each worker sends exactly this many, then stops (even fill per WS socket/conversation). */
  perWorker?: number;
  /** Paced: total sends per second over all workers (latency at a fixed load); 0 = closed loop. */
  ratePerS?: number;
  /** Prefix each text with "t=<epoch ms>" so receivers can measure send→deliver. */
  stamp?: boolean;
  /** Worker w uses conversation (workerOffset + w) mod convs (several processes share a world). */
  workerOffset?: number;
  /** Return each ack's epoch time (ms, sub-ms precision) and sender beside its seq: `ackAt`, `ackBy`. */
  ackTimes?: boolean;
  /** Read this process's CPU time (/proc/<pid>/stat) when sending starts and ends: `cpuUs`. */
  cpuPid?: number;
  /**
   * REST: a user sends into a conversation again only this many ms after their previous send
   * there was answered (none in flight meanwhile), so a slow-mode cooldown shorter than this is
   * checked on every send and never refuses one. A pick that is too early is drawn again
   * (`gapRedraws`); after 32 such draws the worker waits 2 ms (`gapWaits`).
   */
  senderGapMs?: number;
}

export interface IngestResult {
  acked: number;
  errors: number;
  errorSamples: string[];
  latencyMs: Float64Array;
  timeline: [number, number][];
  /** conversation id → acked seqs */
  seqs: Record<string, number[]>;
  /** With ackTimes: conversation id → epoch ms of each ack, in the order of `seqs`. */
  ackAt?: Record<string, number[]>;
  /** With ackTimes: conversation id → the user who sent each acked message, in the order of `seqs`. */
  ackBy?: Record<string, string[]>;
  /** With cpuPid: that process's CPU µs at startMs and at endMs. */
  cpuUs?: [number, number];
  /** With senderGapMs: draws that hit a user still in their gap, and waits of 2 ms when 32 did in a row. */
  gapRedraws?: number;
  gapWaits?: number;
  startMs: number;
  endMs: number;
}

interface Sender {
  send(convId: string, body: string): Promise<{ ok: boolean; seq?: number; detail?: string }>;
  close(): void;
}

function restSender(job: IngestJob, user: string, agent: http.Agent): Sender {
  const u = new URL(job.url);
  const auth = `Bearer ${job.tokens[user]}`;
  return {
    send: (convId, body) => new Promise((resolve) => {
      const req = http.request({
        host: u.hostname, port: u.port, agent, method: 'POST', path: `/v1/conversations/${convId}/messages`,
        headers: { authorization: auth, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const s = Buffer.concat(chunks).toString();
          if (res.statusCode !== 201) return resolve({ ok: false, detail: `${res.statusCode} ${s.slice(0, 200)}` });
          resolve({ ok: true, seq: (JSON.parse(s) as { seq: number }).seq });
        });
      });
      req.on('error', (e) => resolve({ ok: false, detail: e.message }));
      req.end(body);
    }),
    close() {},
  };
}

async function wsSender(job: IngestJob, user: string): Promise<Sender> {
  const ws = new WebSocket(job.wsUrl, { headers: { authorization: `Bearer ${job.tokens[user]}` }, perMessageDeflate: false });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const waiting = new Map<string, (r: { ok: boolean; seq?: number; detail?: string }) => void>();
  let ref = 0;
  ws.on('message', (data) => {
    const s = data.toString();
    // Live `message` frames of the conversation arrive too: only acks and errors matter here.
    if (!s.startsWith('{"type":"ack"') && !s.startsWith('{"type":"error"')) {
      if (s.includes('"type":"message"')) return;
    }
    const f = JSON.parse(s) as { type: string; ref?: string; message?: { seq: number }; code?: string; detail?: string };
    if (f.ref === undefined) return;
    const w = waiting.get(f.ref);
    if (!w) return;
    waiting.delete(f.ref);
    if (f.type === 'ack') w({ ok: true, seq: f.message!.seq });
    else w({ ok: false, detail: `${f.type} ${f.code ?? ''} ${f.detail ?? ''}` });
  });
  ws.on('close', () => {
    for (const w of waiting.values()) w({ ok: false, detail: 'socket closed' });
    waiting.clear();
  });
  return {
    send: (convId, body) => new Promise((resolve) => {
      const r = String(++ref);
      waiting.set(r, resolve);
      const { text: t, client_id } = JSON.parse(body) as { text: string; client_id: string };
      ws.send(JSON.stringify({ type: 'send', ref: r, conversation_id: convId, text: t, client_id }));
    }),
    close: () => ws.close(),
  };
}

export async function runIngest(job: IngestJob): Promise<IngestResult> {
  const r = rng(job.seed);
  const lat = new Samples(1 << 16);
  const timeline = new Timeline(50);
  const seqs: Record<string, number[]> = {};
  const ackAt: Record<string, number[]> = {};
  const ackBy: Record<string, string[]> = {};
  const errorSamples: string[] = [];
  let acked = 0;
  let errors = 0;
  let n = 0;
  const agent = new http.Agent({ keepAlive: true, maxSockets: job.concurrency });

  // Each worker is one user in one conversation (WS: one socket per worker).
  const workers = await Promise.all(Array.from({ length: job.concurrency }, async (_, w) => {
    const conv = job.convs[((job.workerOffset ?? 0) + w) % job.convs.length];
    const user = conv.members[int(r, conv.members.length)];
    const sender = job.transport === 'rest' ? restSender(job, user, agent) : await wsSender(job, user);
    return { conv, user, sender, r: rng(job.seed * 7919 + w) };
  }));

  // senderGapMs: conversation + user → when their last send there was answered (Infinity: in flight)
  const gap = job.transport === 'rest' ? (job.senderGapMs ?? 0) : 0;
  const answeredAt = new Map<string, number>();
  let gapRedraws = 0;
  let gapWaits = 0;

  const cpu0 = job.cpuPid ? cpuMicros(job.cpuPid) : NaN;
  const startMs = Date.now();
  const deadline = startMs + job.durationMs;
  const interval = job.ratePerS ? (1000 * job.concurrency) / job.ratePerS : 0;
  await Promise.all(workers.map(async (w, wi) => {
    let mine = 0;
    let next = performance.now() + (interval * wi) / job.concurrency;
    while (Date.now() < deadline && (job.maxMessages === 0 || n < job.maxMessages) && (!job.perWorker || mine < job.perWorker)) {
      if (interval) {
        const wait = next - performance.now();
        if (wait > 0) await new Promise((res) => setTimeout(res, wait));
        next += interval;
      }
      mine++;
      const k = n++;
      // REST senders roam over conversations; a WS socket stays in its own.
      let conv = job.transport === 'rest' ? job.convs[job.roundRobin ? k % job.convs.length : int(w.r, job.convs.length)] : w.conv;
      let user = job.transport === 'rest' ? conv.members[int(w.r, conv.members.length)] : w.user;
      if (gap) {
        for (let tries = 1; (answeredAt.get(conv.id + user) ?? -Infinity) > performance.now() - gap; tries++) {
          gapRedraws++;
          if (tries % 32 === 0) {
            gapWaits++;
            await new Promise((res) => setTimeout(res, 2));
          }
          conv = job.convs[int(w.r, job.convs.length)];
          user = conv.members[int(w.r, conv.members.length)];
        }
        answeredAt.set(conv.id + user, Infinity);
      }
      const sender = job.transport === 'rest' ? restSender(job, user, agent) : w.sender;
      const body = JSON.stringify({ text: job.stamp ? `t=${performance.timeOrigin + performance.now()} ${text(w.r)}` : text(w.r), client_id: `${job.tag}-${n}-${int(w.r, 1e9)}` });
      const t0 = performance.now();
      const res = await sender.send(conv.id, body);
      const t1 = performance.now();
      if (gap) answeredAt.set(conv.id + user, t1);
      if (res.ok) {
        acked++;
        lat.add(t1 - t0);
        timeline.add(Date.now());
        (seqs[conv.id] ??= []).push(res.seq!);
        if (job.ackTimes) {
          (ackAt[conv.id] ??= []).push(performance.timeOrigin + t1);
          (ackBy[conv.id] ??= []).push(user);
        }
      } else {
        errors++;
        if (errorSamples.length < 5) errorSamples.push(res.detail ?? 'error');
      }
    }
  }));
  const endMs = Date.now();
  const cpuUs: [number, number] | undefined = job.cpuPid ? [cpu0, cpuMicros(job.cpuPid)] : undefined;
  for (const w of workers) w.sender.close();
  agent.destroy();
  return { acked, errors, errorSamples, latencyMs: lat.toArray(), timeline: [...timeline.counts], seqs, ...(job.ackTimes ? { ackAt, ackBy } : {}), ...(cpuUs ? { cpuUs } : {}), ...(gap ? { gapRedraws, gapWaits } : {}), startMs, endMs };
}

if (isMain(import.meta.url)) serveJob(runIngest);
