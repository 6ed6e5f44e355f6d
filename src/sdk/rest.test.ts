// The change-log, thread and mention calls of the SDK's REST half against a scripted fetch: the
// exact method, path, query and body each sends, and a 410 RELOAD_REQUIRED surfacing as
// StrataError with its code. (Every route against a real server: rest.int.test.ts.)
import { describe, expect, it } from 'vitest';
import { StrataError, StrataRest } from './rest.js';

const conv = '0190a0b4-0000-7000-8000-00000000000c';

function scripted(status: number, body: unknown) {
  const calls: { method: string; url: string; body?: unknown; auth: string | null }[] = [];
  const fetch = (async (url: string, init: RequestInit) => {
    calls.push({ method: String(init.method), url: url.replace('http://h:1', ''), body: init.body ? JSON.parse(String(init.body)) : undefined, auth: new Headers(init.headers).get('authorization') });
    return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
  }) as unknown as typeof globalThis.fetch;
  return { rest: new StrataRest({ baseUrl: 'http://h:1/', token: () => 'tok', fetch }), calls };
}

describe('StrataRest change log calls', () => {
  it('changes(id, after, limit?) asks GET …/changes with after and the limit when given', async () => {
    const page = { changes: [{ type: 'conversation', cursor: 5, conversation_id: conv, title: 't', by: 'alice', at: '2026-01-01T00:00:00.000Z' }], cursor: 5, has_more: false };
    const { rest, calls } = scripted(200, page);
    expect(await rest.changes(conv, 4, 10)).toEqual(page);
    await rest.changes(conv, 0);
    expect(calls).toEqual([
      { method: 'GET', url: `/v1/conversations/${conv}/changes?after=4&limit=10`, body: undefined, auth: 'Bearer tok' },
      { method: 'GET', url: `/v1/conversations/${conv}/changes?after=0`, body: undefined, auth: 'Bearer tok' },
    ]);
  });

  it('sync(since?, limit?) asks GET /v1/sync, with since only when there is one', async () => {
    const answer = { token: 'tk-2', conversations: [], left: [] };
    const { rest, calls } = scripted(200, answer);
    expect(await rest.sync()).toEqual(answer);
    await rest.sync('tk-1', 50);
    expect(calls.map((c) => `${c.method} ${c.url}`)).toEqual(['GET /v1/sync', 'GET /v1/sync?since=tk-1&limit=50']);
  });

  it('renames and re-roles with PATCH', async () => {
    const { rest, calls } = scripted(200, {});
    await rest.updateConversation(conv, { title: 'new' });
    await rest.setRole(conv, 'bob smith', 'admin');
    expect(calls.map((c) => [c.method, c.url, c.body])).toEqual([
      ['PATCH', `/v1/conversations/${conv}`, { title: 'new' }],
      ['PATCH', `/v1/conversations/${conv}/members/bob%20smith`, { role: 'admin' }],
    ]);
  });

  it('a cursor older than the server keeps is StrataError 410 RELOAD_REQUIRED', async () => {
    const { rest } = scripted(410, { type: 'about:blank', title: 'Reload required', status: 410, code: 'RELOAD_REQUIRED', detail: 'cursor 3 is older than the changes kept' });
    const err = await rest.changes(conv, 3).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StrataError);
    expect(err).toMatchObject({ status: 410, code: 'RELOAD_REQUIRED' });
  });
});

describe('StrataRest threads and mentions', () => {
  const root = '0190a0b4-0000-7000-8000-0000000000a1';

  it('sends a thread reply with mentions, and edits mentions', async () => {
    const { rest, calls } = scripted(200, {});
    await rest.send(conv, 'hi @bob', { thread_id: root, also_in_conversation: true, mentions: ['bob'], client_id: 'c-1' });
    await rest.edit(root, 'plain');
    await rest.edit(root, 'no one', { mentions: [] });
    expect(calls.map((c) => [c.method, c.url, c.body])).toEqual([
      ['POST', `/v1/conversations/${conv}/messages`, { text: 'hi @bob', thread_id: root, also_in_conversation: true, mentions: ['bob'], client_id: 'c-1' }],
      ['PATCH', `/v1/messages/${root}`, { text: 'plain' }],
      ['PATCH', `/v1/messages/${root}`, { text: 'no one', mentions: [] }],
    ]);
  });

  it('asks each thread and mention route with its query, leaving out what is not given', async () => {
    const { rest, calls } = scripted(200, {});
    await rest.getThread(root);
    await rest.replies(root);
    await rest.replies(root, { before: 9, limit: 3 });
    await rest.replies(root, { after: 4 });
    await rest.markThreadRead(root, 12);
    await rest.listThreads(conv);
    await rest.listThreads(conv, { before: 30, limit: 10 });
    await rest.myThreads();
    await rest.myThreads({ cursor: 'abc_-1', limit: 5 });
    await rest.mentions({ limit: 2 });
    await rest.mentions({ cursor: 'next' });
    expect(calls.map((c) => [c.method, c.url, c.body])).toEqual([
      ['GET', `/v1/messages/${root}/thread`, undefined],
      ['GET', `/v1/messages/${root}/replies`, undefined],
      ['GET', `/v1/messages/${root}/replies?before=9&limit=3`, undefined],
      ['GET', `/v1/messages/${root}/replies?after=4`, undefined],
      ['POST', `/v1/messages/${root}/read`, { seq: 12 }],
      ['GET', `/v1/conversations/${conv}/threads`, undefined],
      ['GET', `/v1/conversations/${conv}/threads?before=30&limit=10`, undefined],
      ['GET', '/v1/threads', undefined],
      ['GET', '/v1/threads?cursor=abc_-1&limit=5', undefined],
      ['GET', '/v1/mentions?limit=2', undefined],
      ['GET', '/v1/mentions?cursor=next', undefined],
    ]);
    expect(calls.every((c) => c.auth === 'Bearer tok')).toBe(true);
  });

  it('a refused reply is StrataError with the registry code', async () => {
    const { rest } = scripted(400, { type: 'about:blank', title: 'Bad request', status: 400, code: 'THREAD_ROOT_INVALID', detail: 'is itself a reply' });
    await expect(rest.send(conv, 'x', { thread_id: root })).rejects.toMatchObject({ status: 400, code: 'THREAD_ROOT_INVALID' });
  });
});
