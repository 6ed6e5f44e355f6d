// GET /v1/users/{user}/presence follows the rule of live presence frames: you see yourself and
// the people you share a conversation with; anyone else is 404 USER_NOT_FOUND, exactly like a
// user who does not exist (memory + SQLite).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeStack, type TestStack } from '../../test/helpers/app.js';

let s: TestStack;
beforeAll(async () => {
  s = await makeStack();
});
afterAll(() => s?.close());

async function get(viewer: string, user: string) {
  const res = await s.app.inject({ method: 'GET', url: `/v1/users/${user}/presence`, headers: { authorization: `Bearer ${await s.token(viewer)}` } });
  return { status: res.statusCode, body: res.json() };
}

describe('presence visibility', () => {
  it('answers for yourself and members of a shared conversation only', async () => {
    const created = await s.app.inject({ method: 'POST', url: '/v1/conversations', headers: { authorization: `Bearer ${await s.token('erin')}` }, payload: { members: ['frank'] } });
    expect(created.statusCode).toBe(201);
    expect(await get('erin', 'frank')).toMatchObject({ status: 200, body: { user: 'frank', online: false } });
    expect(await get('frank', 'erin')).toMatchObject({ status: 200 });
    expect(await get('carol', 'carol')).toMatchObject({ status: 200, body: { user: 'carol' } });
    const stranger = await get('carol', 'frank');
    const nobody = await get('carol', 'no-such-user');
    expect(stranger).toMatchObject({ status: 404, body: { code: 'USER_NOT_FOUND' } });
    expect(nobody.status).toBe(stranger.status);
    expect(nobody.body.code).toBe(stranger.body.code);
    // leaving the conversation ends it
    const conv = created.json().id;
    await s.app.inject({ method: 'DELETE', url: `/v1/conversations/${conv}/members/frank`, headers: { authorization: `Bearer ${await s.token('frank')}` } });
    expect((await get('erin', 'frank')).status).toBe(404);
  });
});
