// Load generator for changes (a child process): edits (PATCH /v1/messages/{id} by the sender)
// and reactions (PUT, then DELETE, of one member's reaction: every request changes the set, so
// every one is a change) over keep-alive REST connections, closed loop. Worker w owns the
// messages i with i mod concurrency = w, so no two requests race on one message (no
// EDIT_CONFLICT): every answer must be a success, and every success is exactly one change.
import http from 'node:http';
import { isMain, serveJob } from '../lib/proc.js';
import { rng, text } from '../lib/rng.js';
import { Samples, Timeline } from '../lib/stats.js';

export interface ChangeTarget {
  convId: string;
  members: string[];
  messages: { id: string; sender: string }[];
}

export interface ChangeJob {
  url: string;
  targets: ChangeTarget[];
  tokens: Record<string, string>;
  concurrency: number;
  durationMs: number;
  /** Stop making changes in a conversation after this many (this job's own), when given. */
  perConv?: Record<string, number>;
  /** Reaction state left by an earlier job: "<message id>" → on. */
  reacted?: string[];
  seed: number;
}

export interface ChangeResult {
  edits: number;
  reactions: number;
  errors: number;
  errorSamples: string[];
  editMs: Float64Array;
  reactionMs: Float64Array;
  timeline: [number, number][];
  perConv: Record<string, number>;
  reacted: string[];
  startMs: number;
  endMs: number;
}

async function run(job: ChangeJob): Promise<ChangeResult> {
  const u = new URL(job.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: job.concurrency });
  const request = (method: string, path: string, user: string, body?: string) => new Promise<{ status: number; body: string }>((resolve) => {
    const headers: Record<string, string | number> = { authorization: `Bearer ${job.tokens[user]}` };
    if (body !== undefined) Object.assign(headers, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    const req = http.request({ host: u.hostname, port: u.port, agent, method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', (e) => resolve({ status: 0, body: e.message }));
    req.end(body);
  });
  const items = job.targets.flatMap((t) => t.messages.map((m, i) => ({ t, m, reactor: t.members[(i + 1) % t.members.length] })));
  const reacted = new Set(job.reacted ?? []);
  const perConv: Record<string, number> = Object.fromEntries(job.targets.map((t) => [t.convId, 0]));
  const editLat = new Samples(1 << 15);
  const reactLat = new Samples(1 << 15);
  const timeline = new Timeline(50);
  const errorSamples: string[] = [];
  let edits = 0;
  let reactions = 0;
  let errors = 0;
  const startMs = Date.now();
  const deadline = startMs + job.durationMs;
  await Promise.all(Array.from({ length: job.concurrency }, async (_, w) => {
    const mine = items.filter((_, i) => i % job.concurrency === w);
    const r = rng(job.seed * 977 + w);
    let k = 0;
    for (let idle = 0; idle < mine.length && Date.now() < deadline;) {
      const it = mine[k % mine.length];
      const op = Math.floor(k / mine.length) % 2; // each message: an edit, then a reaction, …
      k++;
      if (job.perConv && perConv[it.t.convId] >= job.perConv[it.t.convId]) {
        idle++;
        continue;
      }
      idle = 0;
      perConv[it.t.convId]++; // counted when sent: the cap holds with requests in flight
      const s = performance.now();
      let res: { status: number; body: string };
      let want: number;
      if (op === 0) {
        res = await request('PATCH', `/v1/messages/${it.m.id}`, it.m.sender, JSON.stringify({ text: `${text(r)} #${w}.${k}` }));
        want = 200;
      } else {
        const on = !reacted.has(it.m.id);
        res = await request(on ? 'PUT' : 'DELETE', `/v1/messages/${it.m.id}/reactions/%2B1`, it.reactor);
        want = 204;
        if (res.status === want) {
          if (on) reacted.add(it.m.id);
          else reacted.delete(it.m.id);
        }
      }
      const ms = performance.now() - s;
      if (res.status === want) {
        if (op === 0) {
          edits++;
          editLat.add(ms);
        } else {
          reactions++;
          reactLat.add(ms);
        }
        timeline.add(Date.now());
      } else {
        perConv[it.t.convId]--;
        errors++;
        if (errorSamples.length < 5) errorSamples.push(`${op === 0 ? 'edit' : 'reaction'}: ${res.status} ${res.body.slice(0, 160)}`);
      }
    }
  }));
  const endMs = Date.now();
  agent.destroy();
  return {
    edits, reactions, errors, errorSamples, editMs: editLat.toArray(), reactionMs: reactLat.toArray(), timeline: [...timeline.counts],
    perConv, reacted: [...reacted], startMs, endMs,
  };
}

if (isMain(import.meta.url)) serveJob(run);
