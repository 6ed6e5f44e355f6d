// HTTP at its edges (memory + SQLite, a real listening server where the socket matters): where a
// token may come from, headers on every answer, router errors in our format, JSON only, and a
// request that never finishes its body.
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeStack, type TestStack } from '../../test/helpers/app.js';

let s: TestStack;
let port: number;
let token: string;
beforeAll(async () => {
  s = await makeStack({ config: { requestTimeoutS: 1 } });
  await s.app.listen({ port: 0, host: '127.0.0.1' });
  port = (s.app.server.address() as AddressInfo).port;
  token = await s.token('alice');
});
afterAll(() => s?.close());

const inject = (url: string, headers: Record<string, string> = {}, method = 'GET', payload?: string) =>
  s.app.inject({ method: method as 'GET', url, headers, payload });

describe('HTTP edges', () => {
  it('takes the token from the Authorization header, any case of the scheme; never from a REST query', async () => {
    for (const scheme of ['Bearer', 'bearer', 'BEARER', 'bEaReR']) {
      expect((await inject('/v1/conversations', { authorization: `${scheme} ${token}` })).statusCode).toBe(200);
    }
    const viaQuery = await inject(`/v1/conversations?access_token=${token}`);
    expect(viaQuery.statusCode).toBe(401);
    expect(viaQuery.json().code).toBe('UNAUTHENTICATED');
    const created = await inject(`/v1/conversations?access_token=${token}`, { 'content-type': 'application/json' }, 'POST', JSON.stringify({ members: ['bob'] }));
    expect(created.statusCode).toBe(401);
    expect((await inject('/v1/conversations', { authorization: `Bearer ${token}` })).json().conversations).toEqual([]);
    expect((await inject('/v1/conversations', { authorization: `Basic ${token}` })).statusCode).toBe(401);
  });

  it('marks every API answer nosniff and no-store', async () => {
    for (const res of [await inject('/v1/conversations', { authorization: `Bearer ${token}` }), await inject('/v1/conversations'), await inject('/healthz')]) {
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['cache-control']).toBe('no-store');
    }
  });

  it('answers router errors as problem+json with registry codes, without echoing the URL', async () => {
    const long = 'x'.repeat(300);
    const tooLong = await inject(`/v1/conversations/${long}`, { authorization: `Bearer ${token}` });
    expect(tooLong.statusCode).toBe(414);
    expect(tooLong.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(tooLong.json().code).toBe('URI_TOO_LONG');
    expect(tooLong.body).not.toContain(long);
    const badUrl = await inject('/v1/conversations/%E0%A4%A', { authorization: `Bearer ${token}` });
    expect(badUrl.statusCode).toBe(400);
    expect(badUrl.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(badUrl.json().code).toBe('BAD_URL');
  });

  it('accepts JSON bodies only: text/plain is 415 and stores nothing', async () => {
    const auth = { authorization: `Bearer ${token}` };
    const res = await inject('/v1/conversations', { ...auth, 'content-type': 'text/plain' }, 'POST', JSON.stringify({ members: ['bob'] }));
    expect(res.statusCode).toBe(415);
    expect(res.json().code).toBe('UNSUPPORTED_MEDIA_TYPE');
    expect((await inject('/v1/conversations', auth)).json().conversations).toEqual([]);
  });

  it('calls a bad reaction a validation failure, not an invalid id', async () => {
    const res = await inject(`/v1/messages/0190c8a4-0000-7000-8000-000000000000/reactions/${encodeURIComponent('a b')}`, { authorization: `Bearer ${token}` }, 'PUT');
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('VALIDATION_FAILED');
    const badId = await inject('/v1/messages/nope/reactions/x', { authorization: `Bearer ${token}` }, 'PUT');
    expect(badId.json().code).toBe('INVALID_ID');
  });

  it('closes a request whose body never completes (REQUEST_TIMEOUT_S) instead of holding it forever', async () => {
    const sock = net.connect(port, '127.0.0.1');
    let answer = '';
    sock.on('data', (d) => (answer += d));
    const closed = new Promise<void>((resolve) => sock.on('close', () => resolve()));
    sock.write(`POST /v1/conversations HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${token}\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{"members":`);
    await closed; // the test's own timeout bounds this; without a request timeout it never closes
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
  });
});
