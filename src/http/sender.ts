// One HTTP attempt at a webhook (webhooks/deliverer.ts) or a Web Push message
// (push-providers/web-push-provider.ts): a POST over node:http(s) with keep-alive connections per origin, never following a redirect,
// bounded by a timeout. (Not fetch: its "bad port" list would refuse endpoints on ports such as
// 6000 or 10080 forever.) Success is a 2xx; anything else — another status, no answer within the
// timeout, a refused or reset connection — is a failed attempt the deliverer retries. The
// answer's body is read and dropped (so the connection can be reused), at most 64 KiB of it,
// within the same timeout.
import http from 'node:http';
import https from 'node:https';
import { performance } from 'node:perf_hooks';

export interface SendResult {
  ok: boolean;
  /** Null when no answer came. */
  status: number | null;
  error: string | null;
  /** Until the answer's status line and headers (or the failure). */
  latencyMs: number;
}

export type Send = (url: string, headers: Record<string, string>, body: string | Buffer, timeoutMs: number) => Promise<SendResult>;

const MAX_ANSWER_BYTES = 64 * 1024;
export interface Agents {
  'http:': http.Agent;
  'https:': https.Agent;
}

const defaultAgents: Agents = {
  'http:': new http.Agent({ keepAlive: true, maxSockets: 256 }),
  'https:': new https.Agent({ keepAlive: true, maxSockets: 256 }),
};

export const httpSend: Send = (url, headers, body, timeoutMs) => sendWith(defaultAgents, url, headers, body, timeoutMs);

/** The same sender over other agents (push: agents whose DNS lookup refuses private addresses). */
export function httpSender(agents: Agents): Send {
  return (url, headers, body, timeoutMs) => sendWith(agents, url, headers, body, timeoutMs);
}

const sendWith = (agents: Agents, url: string, headers: Record<string, string>, body: string | Buffer, timeoutMs: number) => new Promise<SendResult>((resolve) => {
  const t0 = performance.now();
  const latency = () => Math.round(performance.now() - t0);
  let settled = false;
  const finish = (r: SendResult) => {
    if (settled) return;
    settled = true;
    resolve(r);
  };
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    finish({ ok: false, status: null, error: 'invalid url', latencyMs: 0 });
    return;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    finish({ ok: false, status: null, error: `unsupported scheme ${u.protocol}`, latencyMs: 0 });
    return;
  }
  const payload = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  const mod = u.protocol === 'https:' ? https : http;
  const req = mod.request(u, { method: 'POST', agent: agents[u.protocol], headers: { ...headers, 'content-length': String(payload.length) } }, (res) => {
    const status = res.statusCode ?? 0;
    const ok = status >= 200 && status < 300;
    finish({ ok, status, error: ok ? null : `answered ${status}`, latencyMs: latency() });
    let n = 0;
    res.on('data', (chunk: Buffer) => {
      n += chunk.length;
      if (n > MAX_ANSWER_BYTES) req.destroy();
    });
    res.on('end', () => clearTimeout(timer));
    res.on('error', () => clearTimeout(timer));
  });
  const timer = setTimeout(() => {
    finish({ ok: false, status: null, error: `no answer within ${timeoutMs} ms`, latencyMs: latency() });
    req.destroy();
  }, timeoutMs);
  req.on('error', (e: NodeJS.ErrnoException) => {
    clearTimeout(timer);
    finish({ ok: false, status: null, error: `${e.code ?? e.name}: ${e.message}`.slice(0, 500), latencyMs: latency() });
  });
  req.on('close', () => clearTimeout(timer));
  req.end(payload);
});
