// The change-log, thread, mention, search and pin calls of the SDK's REST half against a
// scripted fetch: the exact method, path, query and body each sends, and a 410 RELOAD_REQUIRED
// or 400 SEARCH_QUERY_INVALID surfacing as StrataError with its code and detail. (Every route against a real server: rest.int.test.ts.)
import { describe, expect, it } from 'vitest';
import { StrataError, StrataRest } from './rest.js';

const conv = '0190a0b4-0000-7000-8000-00000000000c';

function scripted(status: number, body: unknown) {
  const calls: { method: string; url: string; body?: unknown; auth: string | null }[] = [];
  const fetch = (async (url: string, init: RequestInit) => {
    calls.push({ method: String(init.method), url: url.replace('http://h:1', ''), body: init.body ? JSON.parse(String(init.body)) : undefined, auth: new Headers(init.headers).get('authorization') });
    return new Response(status === 204 ? null : JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
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

describe('StrataRest search and pins', () => {
  const id = '0190a0b4-0000-7000-8000-0000000000b2';
  const thread = '0190a0b4-0000-7000-8000-0000000000a1';

  it('search(q, opts) asks GET /v1/search with q encoded and each option given, in order, nothing else', async () => {
    const page = { results: [], next_cursor: null, settled: true };
    const { rest, calls } = scripted(200, page);
    expect(await rest.search('deploy')).toEqual(page);
    await rest.search('"deploy failed" roll* from:bob in:x&y=1');
    await rest.search('café', {
      conversation_id: conv, sender: 'bob smith', thread_id: thread, before: '2026-11-30T12:00:00.000Z', after: '2026-11-29T12:00:00.000Z',
      sort: 'time', limit: 5, cursor: 'dGltZQ_-',
    });
    await rest.search('x', { sort: 'relevance', cursor: undefined });
    expect(calls.map((c) => [c.method, c.url, c.body])).toEqual([
      ['GET', '/v1/search?q=deploy', undefined],
      ['GET', '/v1/search?q=%22deploy+failed%22+roll*+from%3Abob+in%3Ax%26y%3D1', undefined],
      ['GET', `/v1/search?q=caf%C3%A9&conversation_id=${conv}&sender=bob+smith&thread_id=${thread}&before=2026-11-30T12%3A00%3A00.000Z&after=2026-11-29T12%3A00%3A00.000Z&sort=time&limit=5&cursor=dGltZQ_-`, undefined],
      ['GET', '/v1/search?q=x&sort=relevance', undefined],
    ]);
    // what the server decodes is the query as written
    expect(new URL(`http://h${calls[1].url}`).searchParams.get('q')).toBe('"deploy failed" roll* from:bob in:x&y=1');
    expect(calls.every((c) => c.auth === 'Bearer tok')).toBe(true);
  });

  it('a query that does not parse is StrataError 400 SEARCH_QUERY_INVALID with the detail', async () => {
    const { rest } = scripted(400, { type: 'about:blank', title: 'Invalid search query', status: 400, code: 'SEARCH_QUERY_INVALID', detail: 'unclosed "' });
    const err = await rest.search('"open').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StrataError);
    expect(err).toMatchObject({ status: 400, code: 'SEARCH_QUERY_INVALID', detail: 'unclosed "', message: 'SEARCH_QUERY_INVALID: unclosed "' });
  });

  it('pins with PUT and unpins with DELETE (204, no body either way), and lists pins', async () => {
    const { rest, calls } = scripted(204, null);
    expect(await rest.pin(id)).toBeUndefined();
    expect(await rest.unpin(id)).toBeUndefined();
    const list = scripted(200, { pins: [] });
    expect(await list.rest.pins(conv)).toEqual({ pins: [] });
    expect([...calls, ...list.calls].map((c) => [c.method, c.url, c.body])).toEqual([
      ['PUT', `/v1/messages/${id}/pin`, undefined],
      ['DELETE', `/v1/messages/${id}/pin`, undefined],
      ['GET', `/v1/conversations/${conv}/pins`, undefined],
    ]);
  });

  it('pinning as a plain member is StrataError 403 FORBIDDEN', async () => {
    const { rest } = scripted(403, { type: 'about:blank', title: 'Forbidden', status: 403, code: 'FORBIDDEN', detail: 'only a conversation owner or admin pins messages' });
    await expect(rest.pin(id)).rejects.toMatchObject({ status: 403, code: 'FORBIDDEN' });
  });
});
