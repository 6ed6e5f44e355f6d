// Sender load for the message-path comparison (a child process; issue #16 §2): the SAME code
// drives Strata's WS gateway and the peer servers (baselines/relay-peers.ts). Each sender is one
// socket in one room (Strata: a member's extra device; peers: ?room=<conversation>), sends
// `perSender` messages, and keeps at most `window` of them between its send and its own copy
// coming back through the room's fan-out (and at most `window` unacked): closed loop on delivery,
// so the offered rate follows what the server delivers and no server's buffers grow without
// bound. Optional pacing (`ratePerS` over all senders of the process). Records ack latency and,
// for Strata, each acked seq per conversation (the harness checks them gap-free).
import WebSocket from 'ws';
import { io as ioClient, type Socket } from 'socket.io-client';
import { isMain, serveJob } from '../lib/proc.js';
import { rng, text } from '../lib/rng.js';
import { Samples } from '../lib/stats.js';

export interface RelaySendJob {
  kind: 'strata' | 'socketio' | 'ws';
  /** Strata: its /v1/ws URL; ws: ws://host:port/; socketio: http://host:port */
  url: string;
  senders: { conv: string; token?: string }[];
  perSender: number;
  window: number;
  ratePerS?: number;
  seed: number;
  tag: string;
}

export interface RelaySendResult {
  acked: number;
  errors: number;
  errorSamples: string[];
  latencyMs: Float64Array;
  seqs: Record<string, number[]>;
  startMs: number;
  endMs: number;
}

interface Conn {
  send(ref: string, conv: string, t: string, clientId: string): void;
  close(): void;
}

type Ack = (ref: string, seq: number | undefined, err?: string) => void;

async function open(job: RelaySendJob, s: RelaySendJob['senders'][number], onAck: Ack, onCopy: (text: string) => void): Promise<Conn> {
  if (job.kind === 'socketio') {
    const sock: Socket = ioClient(job.url, { transports: ['websocket'], query: { room: s.conv }, reconnection: false, forceNew: true });
    sock.on('m', (f: { message: { text: string } }) => onCopy(f.message.text));
    await new Promise<void>((resolve, reject) => {
      sock.once('connect', () => resolve());
      sock.once('connect_error', reject);
    });
    return {
      send: (ref, conv, t, clientId) => sock.emit('send', { ref, conversation_id: conv, text: t, client_id: clientId }, (r: { seq: number }) => onAck(ref, r.seq)),
      close: () => sock.close(),
    };
  }
  const url = job.kind === 'ws' ? `${job.url}?room=${s.conv}` : job.url;
  const ws = new WebSocket(url, { perMessageDeflate: false, headers: s.token ? { authorization: `Bearer ${s.token}` } : {} });
  ws.on('message', (data) => {
    const d = data.toString();
    if (d.startsWith('{"type":"message"')) {
      const at = d.indexOf('"text":"') + 8;
      return onCopy(d.slice(at, d.indexOf('"', at)));
    }
    if (d.startsWith('{"type":"ack"') || d.startsWith('{"type":"error"')) {
      const f = JSON.parse(d) as { type: string; ref?: string; message?: { seq: number }; code?: string };
      if (f.ref !== undefined) onAck(f.ref, f.message?.seq, f.type === 'ack' ? undefined : `${f.type} ${f.code ?? ''}`);
    }
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return {
    send: (ref, conv, t, clientId) => ws.send(JSON.stringify({ type: 'send', ref, conversation_id: conv, text: t, client_id: clientId })),
    close: () => ws.close(),
  };
}

export async function runRelaySenders(job: RelaySendJob): Promise<RelaySendResult> {
  const lat = new Samples(1 << 16);
  const seqs: Record<string, number[]> = {};
  const errorSamples: string[] = [];
  let acked = 0;
  let errors = 0;
  const interval = job.ratePerS ? (1000 * job.senders.length) / job.ratePerS : 0;
  const senders = await Promise.all(job.senders.map(async (s, i) => {
    const mark = `~${job.tag}.${i}~`;
    const st = { sent: 0, acked: 0, copies: 0, sentAt: new Map<string, number>(), wake: undefined as (() => void) | undefined, conn: undefined as Conn | undefined };
    const wake = () => {
      const w = st.wake;
      st.wake = undefined;
      w?.();
    };
    st.conn = await open(job, s, (ref, seq, err) => {
      const t0 = st.sentAt.get(ref);
      st.sentAt.delete(ref);
      if (err || seq === undefined) {
        errors++;
        if (errorSamples.length < 5) errorSamples.push(err ?? 'ack without seq');
        st.copies++; // a refused send comes back through no room: do not wait for it
      } else {
        acked++;
        if (t0 !== undefined) lat.add(performance.now() - t0);
        (seqs[s.conv] ??= []).push(seq);
      }
      st.acked++;
      wake();
    }, (t) => {
      if (t.startsWith(mark)) {
        st.copies++;
        wake();
      }
    });
    return { s, i, mark, st };
  }));

  const r = rng(job.seed);
  const startMs = Date.now();
  await Promise.all(senders.map(async ({ s, i, mark, st }) => {
    let next = performance.now() + (interval * i) / senders.length;
    while (st.sent < job.perSender) {
      while (st.sent - st.copies >= job.window || st.sent - st.acked >= job.window) {
        await new Promise<void>((res) => {
          st.wake = res;
        });
      }
      if (interval) {
        const wait = next - performance.now();
        if (wait > 0) await new Promise((res) => setTimeout(res, wait));
        next += interval;
      }
      const ref = String(++st.sent);
      st.sentAt.set(ref, performance.now());
      st.conn!.send(ref, s.conv, `${mark} ${text(r)}`, `${job.tag}-${i}-${ref}`);
    }
    // the last copies and acks (bounded: the harness's job timeout)
    while (st.copies < st.sent || st.acked < st.sent) {
      await new Promise<void>((res) => {
        st.wake = res;
      });
    }
  }));
  const endMs = Date.now();
  for (const { st } of senders) st.conn!.close();
  return { acked, errors, errorSamples, latencyMs: lat.toArray(), seqs, startMs, endMs };
}

if (isMain(import.meta.url)) serveJob(runRelaySenders);
