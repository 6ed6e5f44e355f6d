// A real webhook receiver for tests: an HTTP server on 127.0.0.1 that verifies every request's
// Standard Webhooks signature with the `standardwebhooks` package (the verifier receivers use),
// answers as its script says (200, a 500, no answer until the sender gives up, the connection
// closed without an answer), and records every request. count() gives what the suites assert:
// lost changes, order per conversation, duplicates (and whether each followed a failed attempt
// with the same webhook-id and body), signature failures.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

export type Answer = 'ok' | '500' | 'timeout' | 'close';

export interface Received {
  /** Arrival order over the whole receiver, from 1. */
  n: number;
  path: string;
  webhookId: string;
  timestamp: string;
  signature: string;
  body: string;
  parsed: { type: string; timestamp: string; conversation_id: string; cursor: number; data: Record<string, any> } | null;
  answer: Answer;
  /** Which configured secrets verified the signature (by index in `secrets`). */
  verifiedWith: number[];
  at: number;
}

export interface Receiver {
  url: string;
  /** Every request, in arrival order. */
  readonly requests: Received[];
  /** The secrets requests are verified with, per path (e.g. `/a`); verifiedWith says which ones did. */
  secrets: Map<string, string[]>;
  /** Decides each request's answer (default: ok). */
  script: (r: { n: number; path: string; webhookId: string }) => Answer;
  /** Requests answered 2xx, in arrival order. */
  accepted(path?: string): Received[];
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const requests: Received[] = [];
  const held = new Set<http.ServerResponse>();
  const r: Receiver = {
    url: '', requests, secrets: new Map(), script: () => 'ok',
    accepted: (path) => requests.filter((q) => q.answer === 'ok' && (path === undefined || q.path === path)),
    close: async () => {
      for (const res of held) res.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
    },
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const path = (req.url ?? '/').split('?')[0];
      const h = (k: string) => String(req.headers[k] ?? '');
      const headers = { 'webhook-id': h('webhook-id'), 'webhook-timestamp': h('webhook-timestamp'), 'webhook-signature': h('webhook-signature') };
      const verifiedWith: number[] = [];
      (r.secrets.get(path) ?? []).forEach((secret, i) => {
        try {
          new Webhook(secret).verify(body, headers);
          verifiedWith.push(i);
        } catch {
          // not signed with this secret (or not at all): recorded as such
        }
      });
      let parsed: Received['parsed'] = null;
      try {
        parsed = JSON.parse(body);
      } catch {
        parsed = null;
      }
      const n = requests.length + 1;
      const answer = r.script({ n, path, webhookId: headers['webhook-id'] });
      requests.push({ n, path, webhookId: headers['webhook-id'], timestamp: headers['webhook-timestamp'], signature: headers['webhook-signature'], body, parsed, answer, verifiedWith, at: Date.now() });
      if (answer === 'ok') res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      else if (answer === '500') res.writeHead(500).end('receiver says no');
      else if (answer === 'close') req.socket.destroy();
      else {
        // no answer: the sender's timeout ends it (and closes the connection)
        held.add(res);
        res.on('close', () => held.delete(res));
      }
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  r.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return r;
}

export interface Counts {
  /** Changes expected and never accepted. */
  lost: number;
  /** Accepted changes out of cursor order within their conversation (by first acceptance). */
  outOfOrder: number;
  /** webhook-ids that arrived more than once. */
  duplicated: number;
  /** … of which no earlier attempt had failed (a duplicate nothing asked for). */
  unexplainedDuplicates: number;
  /** Changes (conversation, cursor) that came with more than one webhook-id or more than one body. */
  inconsistent: number;
  /** Requests whose signature verified with none of the path's secrets. */
  badSignatures: number;
  /** Accepted more than once (the sender died between the answer and recording it). */
  acceptedTwice: number;
}

/**
 * What arrived at `path` against what should have: `expected` maps conversation id → the
 * cursors that must be delivered, ascending. Accepted changes beyond them are ignored.
 */
export function count(rcv: Receiver, path: string, expected: Map<string, number[]>): { counts: Counts; examples: string[] } {
  const reqs = rcv.requests.filter((q) => q.path === path);
  const examples: string[] = [];
  const note = (s: string) => {
    if (examples.length < 10) examples.push(s);
  };
  const byId = new Map<string, Received[]>();
  const byChange = new Map<string, Received[]>();
  let badSignatures = 0;
  for (const q of reqs) {
    byId.set(q.webhookId, [...(byId.get(q.webhookId) ?? []), q]);
    if (q.parsed) {
      const k = `${q.parsed.conversation_id} ${q.parsed.cursor}`;
      byChange.set(k, [...(byChange.get(k) ?? []), q]);
    }
    if (q.verifiedWith.length === 0) {
      badSignatures++;
      note(`bad signature: request ${q.n} ${q.webhookId} verified with none of the secrets`);
    }
  }
  let inconsistent = 0;
  for (const [k, qs] of byChange) {
    if (new Set(qs.map((q) => q.webhookId)).size > 1 || new Set(qs.map((q) => q.body)).size > 1) {
      inconsistent++;
      note(`inconsistent: change ${k} came as ${[...new Set(qs.map((q) => q.webhookId))].join(', ')}`);
    }
  }
  let duplicated = 0;
  let unexplained = 0;
  let acceptedTwice = 0;
  for (const [id, qs] of byId) {
    if (qs.length < 2) continue;
    duplicated++;
    const oks = qs.filter((q) => q.answer === 'ok');
    if (oks.length > 1) acceptedTwice++;
    // every repeat must follow a failed attempt, unless the first acceptance was lost with its sender (acceptedTwice)
    const firstOk = qs.findIndex((q) => q.answer === 'ok');
    const failedBefore = qs.slice(0, firstOk === -1 ? qs.length : firstOk).length;
    if (failedBefore === 0 && oks.length < 2) {
      unexplained++;
      note(`duplicate without a failure: ${id} ×${qs.length}`);
    }
  }
  // first acceptance of each change, per conversation, in arrival order
  const firstAccepted = new Map<string, number[]>();
  const seen = new Set<string>();
  for (const q of reqs) {
    if (q.answer !== 'ok' || !q.parsed || seen.has(q.webhookId)) continue;
    seen.add(q.webhookId);
    firstAccepted.set(q.parsed.conversation_id, [...(firstAccepted.get(q.parsed.conversation_id) ?? []), q.parsed.cursor]);
  }
  let outOfOrder = 0;
  for (const [conv, cursors] of firstAccepted) {
    for (let i = 1; i < cursors.length; i++) {
      if (cursors[i] <= cursors[i - 1]) {
        outOfOrder++;
        note(`out of order in ${conv}: ${cursors[i - 1]} then ${cursors[i]}`);
      }
    }
  }
  let lost = 0;
  for (const [conv, cursors] of expected) {
    const got = new Set(firstAccepted.get(conv) ?? []);
    for (const c of cursors) {
      if (!got.has(c)) {
        lost++;
        note(`lost: ${conv} cursor ${c}`);
      }
    }
  }
  return { counts: { lost, outOfOrder, duplicated, unexplainedDuplicates: unexplained, inconsistent, badSignatures, acceptedTwice }, examples };
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}
