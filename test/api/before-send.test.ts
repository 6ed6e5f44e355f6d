// The before-send hook (docs/hooks.md) against a real HTTP server of the test's own on
// 127.0.0.1: accept, reject with a reason, rewrite text and metadata; a hook that times out,
// fails or answers nonsense fails closed (503 HOOK_UNAVAILABLE, nothing stored) or open
// (BEFORE_SEND_ON_FAILURE=accept); the WS send gets the same; latency is a metric.
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeStack } from '../helpers/app.js';
import { WsClient } from '../helpers/ws-client.js';

type Decide = (m: { text: string; sender: string; metadata: unknown }) => { status?: number; body?: unknown; hang?: boolean };

describe('before-send hook', () => {
  let server: http.Server;
  let hookUrl: string;
  let decide: Decide = () => ({ body: { action: 'accept' } });
  const seen: { text: string; sender: string }[] = [];

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let raw = '';
      req.on('data', (d) => (raw += d));
      req.on('end', () => {
        const { message } = JSON.parse(raw) as { message: { text: string; sender: string; metadata: unknown } };
        seen.push(message);
        const d = decide(message);
        if (d.hang) return; // never answers: the hook's timeout decides
        res.writeHead(d.status ?? 200, { 'content-type': 'application/json' }).end(JSON.stringify(d.body ?? {}));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    hookUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}/hook`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  async function stack(onFailure: 'accept' | 'reject') {
    const s = await makeStack({ config: { beforeSendUrl: hookUrl, beforeSendTimeoutMs: 300, beforeSendFailure: onFailure } });
    const alice = await s.token('alice');
    const call = async (method: string, url: string, body?: unknown) => {
      const r = await s.app.inject({ method: method as 'GET', url, headers: { authorization: `Bearer ${alice}`, ...(body ? { 'content-type': 'application/json' } : {}) }, payload: body ? JSON.stringify(body) : undefined });
      return { status: r.statusCode, body: r.body ? r.json() : undefined };
    };
    const conv = (await call('POST', '/v1/conversations', { members: ['bob'] })).body.id as string;
    const history = async () => ((await call('GET', `/v1/conversations/${conv}/messages`)).body.messages as { text: string }[]).map((m) => m.text);
    return { s, alice, call, conv, history };
  }

  let st: Awaited<ReturnType<typeof stack>>;
  let open: Awaited<ReturnType<typeof stack>>;
  beforeAll(async () => {
    st = await stack('reject');
    open = await stack('accept');
  });
  afterAll(async () => {
    await st?.s.close();
    await open?.s.close();
  });

  it('accepts, rejects with the hook\'s reason, and rewrites text and metadata; the hook sees the valid message', async () => {
    decide = () => ({ body: { action: 'accept' } });
    expect((await st.call('POST', `/v1/conversations/${st.conv}/messages`, { text: 'hello', metadata: { k: 1 } })).status).toBe(201);
    expect(seen.at(-1)).toMatchObject({ text: 'hello', sender: 'alice', metadata: { k: 1 } });
    decide = (m) => (m.text.includes('spam') ? { body: { action: 'reject', reason: 'no spam here' } } : { body: { action: 'accept' } });
    const r = await st.call('POST', `/v1/conversations/${st.conv}/messages`, { text: 'buy spam' });
    expect(r.status).toBe(422);
    expect(r.body).toMatchObject({ code: 'SEND_REJECTED', detail: 'no spam here' });
    decide = () => ({ body: { action: 'rewrite', text: 'h*llo', metadata: { moderated: true } } });
    const w = await st.call('POST', `/v1/conversations/${st.conv}/messages`, { text: 'hell o' });
    expect(w.status).toBe(201);
    expect(w.body).toMatchObject({ text: 'h*llo', metadata: { moderated: true } });
    expect(await st.history()).toEqual(['hello', 'h*llo']);
    const seenBefore = seen.length;
    expect((await st.call('POST', `/v1/conversations/${st.conv}/messages`, { text: '' })).status).toBe(400); // invalid: the hook is not asked
    expect(seen.length).toBe(seenBefore);
  });

  it('fails closed on a timeout, an error status, nonsense or an invalid rewrite: 503 HOOK_UNAVAILABLE with Retry-After, nothing stored', async () => {
    const before = await st.history();
    for (const d of [{ hang: true }, { status: 500, body: {} }, { body: { action: 'maybe' } }, { body: { action: 'rewrite', text: '' } }] as ReturnType<Decide>[]) {
      decide = () => d;
      const r = await st.s.app.inject({ method: 'POST', url: `/v1/conversations/${st.conv}/messages`, headers: { authorization: `Bearer ${st.alice}`, 'content-type': 'application/json' }, payload: JSON.stringify({ text: 'x' }) });
      expect(r.statusCode, JSON.stringify(d)).toBe(503);
      expect(r.json().code).toBe('HOOK_UNAVAILABLE');
      expect(r.headers['retry-after']).toBe('1');
    }
    expect(await st.history()).toEqual(before);
    const metrics = (await st.s.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toMatch(/strata_before_send_seconds_count\{outcome="failure"\} 4/);
    expect(metrics).toMatch(/strata_before_send_seconds_count\{outcome="reject"\} 1/);
  });

  it('fails open when so configured: the message as sent', async () => {
    decide = () => ({ hang: true });
    const r = await open.call('POST', `/v1/conversations/${open.conv}/messages`, { text: 'through anyway' });
    expect(r.status).toBe(201);
    expect(await open.history()).toEqual(['through anyway']);
  });

  it('a WS send the hook rejects is an error frame with the code and reason', async () => {
    decide = () => ({ body: { action: 'reject', reason: 'not today' } });
    await st.s.app.listen({ port: 0, host: '127.0.0.1' });
    const ws = await WsClient.connect(`http://127.0.0.1:${(st.s.app.server.address() as { port: number }).port}`, st.alice);
    try {
      ws.send({ type: 'send', ref: 'r1', conversation_id: st.conv, text: 'ws' });
      expect(await ws.waitFor((f) => f.ref === 'r1')).toMatchObject({ type: 'error', code: 'SEND_REJECTED', detail: 'not today' });
    } finally {
      ws.close();
    }
  });
  it('a rewrite into a string no tier can store (lone surrogate, NUL in text or metadata) is a failure: 503, nothing stored', async () => {
    const before = await st.history();
    for (const body of [
      { action: 'rewrite', text: 'bad \ud800 x' },
      { action: 'rewrite', text: 'a\u0000b' },
      { action: 'rewrite', metadata: { k: 'x\udc00' } },
      { action: 'rewrite', metadata: { ['k\u0000']: 1 } },
    ]) {
      decide = () => ({ body });
      const r = await st.call('POST', `/v1/conversations/${st.conv}/messages`, { text: 'fine' });
      expect(r.status, JSON.stringify(body)).toBe(503);
      expect(r.body.code).toBe('HOOK_UNAVAILABLE');
    }
    expect(await st.history()).toEqual(before);
  });

  it('a reject reason is cut on a code point and never carries a lone surrogate', async () => {
    decide = () => ({ body: { action: 'reject', reason: `${'x'.repeat(499)}😀😀` } });
    const r = await st.call('POST', `/v1/conversations/${st.conv}/messages`, { text: 'long reason' });
    expect(r.status).toBe(422);
    expect(r.body.detail).toBe(`${'x'.repeat(499)}😀`);
    decide = () => ({ body: { action: 'reject', reason: 'half \ud83d' } });
    const h = await st.call('POST', `/v1/conversations/${st.conv}/messages`, { text: 'half' });
    expect(h.status).toBe(422);
    expect(h.body.detail).toBe('rejected by the before-send hook');
  });

  it('a retry of a stored send (same client_id) gets its original without asking the hook, whatever it would say now', async () => {
    decide = () => ({ body: { action: 'accept' } });
    const first = await st.call('POST', `/v1/conversations/${st.conv}/messages`, { text: 'once', client_id: 'retry-1' });
    expect(first.status).toBe(201);
    const asked = seen.length;
    decide = () => ({ body: { action: 'reject', reason: 'changed my mind' } });
    const again = await st.call('POST', `/v1/conversations/${st.conv}/messages`, { text: 'once', client_id: 'retry-1' });
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    decide = () => ({ hang: true });
    const third = await st.call('POST', `/v1/conversations/${st.conv}/messages`, { text: 'once', client_id: 'retry-1' });
    expect(third.status).toBe(200);
    expect(seen.length).toBe(asked);
    expect((await st.history()).filter((t) => t === 'once')).toHaveLength(1);
  });

  it('counts the rewritten text in code points, as the send schema does', async () => {
    const small = await makeStack({ config: { beforeSendUrl: hookUrl, beforeSendTimeoutMs: 300, beforeSendFailure: 'reject', maxTextChars: 4 } });
    try {
      const token = await small.token('alice');
      const call = async (url: string, body: unknown) => {
        const r = await small.app.inject({ method: 'POST', url, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, payload: JSON.stringify(body) });
        return { status: r.statusCode, body: r.json() };
      };
      const conv = (await call('/v1/conversations', { members: ['bob'] })).body.id as string;
      decide = (m) => ({ body: { action: 'rewrite', text: m.text } });
      expect((await call(`/v1/conversations/${conv}/messages`, { text: '😀😀😀😀😀' })).body.code).toBe('TEXT_TOO_LONG');
      const ok = await call(`/v1/conversations/${conv}/messages`, { text: '😀😀😀😀' });
      expect(ok.status, JSON.stringify(ok.body)).toBe(201);
      expect(ok.body.text).toBe('😀😀😀😀');
      decide = () => ({ body: { action: 'rewrite', text: '😀😀😀😀😀' } });
      expect((await call(`/v1/conversations/${conv}/messages`, { text: 'x' })).body.code).toBe('HOOK_UNAVAILABLE');
    } finally {
      await small.close();
    }
  });

  it('an answer longer than the bound is a failure', async () => {
    decide = () => ({ body: { action: 'accept', pad: 'p'.repeat(1_100_000) } });
    const r = await st.call('POST', `/v1/conversations/${st.conv}/messages`, { text: 'padded' });
    expect(r.status).toBe(503);
    expect(r.body.detail).toMatch(/more than/);
  });
});
