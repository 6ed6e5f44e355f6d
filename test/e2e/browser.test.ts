// Acceptance 2: the web page in Debian's Chromium against `strata start` on real Valkey +
// PostgreSQL. alice and bob in two browser contexts (desktop and phone width) converse live;
// the read tick reaches alice; scroll-back pages through 2,000 messages across the tiers; a
// page that was offline shows, once back, every change it missed (the change log, resumed by
// cursor), in place, without reloading. Screenshots go to .test-artifacts/.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { StrataRest } from '../../src/sdk/index.js';
import { launchChromium, screenshot, signIn, watch } from '../helpers/browser.js';
import pg from 'pg';
import { eventually } from '../helpers/eventually.js';
import { createDatabase, startStrataServer, type StrataServer } from '../helpers/strata-server.js';

let server: StrataServer;
let browser: Browser;

beforeAll(async () => {
  browser = await launchChromium(); // first: a missing chromium fails fast, naming the package
  server = await startStrataServer({ RECENT_LIMIT: '500' });
});
afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

async function page(width: number, height: number, origin = server.url): Promise<{ page: Page; problems: string[] }> {
  const p = await (await browser.newContext({ viewport: { width, height } })).newPage();
  return { page: p, problems: watch(p, origin) };
}

/** The frames a page writes on each of its WebSockets, in order (one entry per socket opened). */
function sentFrames(p: Page): Record<string, unknown>[][] {
  const sockets: Record<string, unknown>[][] = [];
  p.on('websocket', (ws) => {
    const sent: Record<string, unknown>[] = [];
    sockets.push(sent);
    ws.on('framesent', (f) => sent.push(JSON.parse(String(f.payload))));
  });
  return sockets;
}

/** Marks the page so a full reload shows: a property on window, and main-frame navigations counted. */
async function noReloadProbe(p: Page): Promise<() => Promise<{ marker: unknown; navigations: number }>> {
  await p.evaluate(() => Object.assign(window, { strataMarker: 'no reload' }));
  let navigations = 0;
  p.on('framenavigated', (f) => {
    if (f === p.mainFrame()) navigations++;
  });
  return async () => ({ marker: await p.evaluate(() => (window as unknown as { strataMarker?: string }).strataMarker), navigations });
}

describe('web page in Chromium', () => {
  it('alice starts a conversation with bob; bob sees it live, reads it, and alice sees the read tick', async () => {
    const alice = await page(1100, 760);
    const bob = await page(390, 760); // phone width
    await signIn(alice.page, server.url, 'alice');
    await signIn(bob.page, server.url, 'bob');
    await alice.page.locator('.conn[data-state=open]').waitFor();
    await bob.page.locator('.conn[data-state=open]').waitFor();

    await alice.page.fill('#new-members', 'bob');
    await alice.page.fill('#new-title', 'lunch');
    await alice.page.press('#new-title', 'Enter');
    await alice.page.locator('.conversation').waitFor();
    await alice.page.fill('#composer', 'hi bob');
    await alice.page.press('#composer', 'Enter');
    await alice.page.locator('.msg.mine[data-seq="1"]').waitFor();

    const item = bob.page.locator('.conv', { hasText: 'lunch' });
    await expect.poll(() => item.locator('.unread').textContent(), { timeout: 10_000 }).toBe('1'); // no reload
    await item.click();
    await expect.poll(() => bob.page.locator('.msg[data-seq="1"] .text').textContent()).toBe('hi bob');
    await expect.poll(() => alice.page.locator('.msg[data-seq="1"] .tick').getAttribute('data-tick'), { timeout: 10_000 }).toBe('read');

    // typing, then a live answer, then reply / react / edit / delete, all seen by the other side
    await bob.page.locator('#composer').pressSequentially('on my way');
    await expect.poll(() => alice.page.locator('.typing').textContent()).toContain('bob is typing');
    await bob.page.press('#composer', 'Enter');
    await expect.poll(() => alice.page.locator('.msg[data-seq="2"] .text').textContent()).toBe('on my way');
    await alice.page.locator('.msg[data-seq="2"] .reply').click();
    await alice.page.fill('#composer', 'great');
    await alice.page.press('#composer', 'Enter');
    await expect.poll(() => bob.page.locator('.msg[data-seq="3"] .quote').textContent()).toBe('↪ bob: on my way');
    await bob.page.locator('.msg[data-seq="1"] .react', { hasText: '👍' }).click();
    await expect.poll(() => alice.page.locator('.msg[data-seq="1"] .chip').textContent()).toBe('👍 1');
    await alice.page.locator('.msg[data-seq="1"] .edit').click();
    await alice.page.fill('.msg[data-seq="1"] .edit-input', 'hi bob!');
    await alice.page.press('.msg[data-seq="1"] .edit-input', 'Enter');
    await expect.poll(() => bob.page.locator('.msg[data-seq="1"] .text').textContent()).toBe('hi bob!');
    await expect.poll(() => bob.page.locator('.msg[data-seq="1"] .edited').count()).toBe(1);
    const del = alice.page.locator('.msg[data-seq="3"] .delete');
    await del.click();
    await del.click(); // the second click confirms
    await expect.poll(() => bob.page.locator('.msg[data-seq="3"] .text').textContent()).toBe('message deleted');

    await screenshot(alice.page, 'browser-alice');
    await screenshot(bob.page, 'browser-bob');
    expect(alice.problems).toEqual([]);
    expect(bob.problems).toEqual([]);
  });

  it('scrolling up through 2,000 messages loads every older page, in order, once', async () => {
    const alice = new StrataRest({ baseUrl: server.url, token: await server.token('alice') });
    const conv = await alice.createConversation({ members: ['bob'], title: 'long history' });
    let next = 1;
    await Promise.all(Array.from({ length: 16 }, async () => {
      while (next <= 2000) {
        const i = next++;
        await alice.send(conv.id, `line ${i}`, { client_id: `long-${i}` });
      }
    }));
    const bob = await page(390, 700);
    await signIn(bob.page, server.url, 'bob');
    await bob.page.locator('.conv', { hasText: 'long history' }).click();
    await bob.page.locator('.msg[data-seq="2000"]').waitFor();
    const seqs = () => bob.page.locator('.msg').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-seq'))));
    expect((await seqs()).length).toBe(50);
    const list = bob.page.locator('.messages');
    for (let guard = 0; guard < 100 && !(await bob.page.locator('[data-start]').count()); guard++) {
      const before = (await seqs())[0];
      await list.evaluate((el) => el.scrollTo(0, 0));
      await expect.poll(async () => (await seqs())[0]).toBeLessThan(before);
    }
    const all = await seqs();
    expect(all).toEqual(Array.from({ length: 2000 }, (_, i) => i + 1));
    // 16 concurrent senders: which line got seq 1 is the server's call; the page shows that one
    const [first] = (await alice.history(conv.id, { after: 0, limit: 1 })).messages;
    expect(first.text).toMatch(/^line \d+$/);
    expect(await bob.page.locator('.msg[data-seq="1"] .text').textContent()).toBe(first.text);
    await screenshot(bob.page, 'browser-bob-scrollback');
    expect(bob.problems).toEqual([]);
  });

  it('back online, the page shows the edits, deletes, reactions, members and title it missed, in place, without reloading', async () => {
    const alice = new StrataRest({ baseUrl: server.url, token: await server.token('alice') });
    const conv = await alice.createConversation({ members: ['bob'], title: 'plans', kind: 'group' });
    const keep = await alice.send(conv.id, 'keep me');
    const gone = await alice.send(conv.id, 'delete me');
    expect([keep.seq, gone.seq, keep.version, gone.version]).toEqual([1, 2, 1, 2]); // cursors 1 and 2: the conversation is at cursor 2

    const bob = await page(1100, 760);
    const sockets = sentFrames(bob.page);
    await signIn(bob.page, server.url, 'bob');
    await bob.page.locator('.conn[data-state=open]').waitFor();
    await bob.page.locator('.conv', { hasText: 'plans' }).click();
    await bob.page.locator('.msg[data-seq="2"]').waitFor();
    expect(await bob.page.locator('.msg[data-seq="1"] .text').textContent()).toBe('keep me');
    const reloaded = await noReloadProbe(bob.page);

    await bob.page.context().setOffline(true); // the page hears `offline` and drops its socket at once
    await bob.page.locator('.conn[data-state=offline]').waitFor();
    expect(sockets).toHaveLength(1);

    // alice, over REST, while bob is away: the change log now runs to cursor 8
    await alice.edit(keep.id, 'keep me, edited');
    await alice.delete(gone.id);
    await alice.react(keep.id, '🎉');
    await alice.addMember(conv.id, 'carol');
    await alice.updateConversation(conv.id, { title: 'plans v2' });
    await alice.send(conv.id, 'while you were away');
    const { cursor } = await alice.changes(conv.id, 2);
    expect(cursor).toBe(8);

    await bob.page.context().setOffline(false); // `online`: the socket reconnects at once and resumes by cursor
    await bob.page.locator('.conn[data-state=open]').waitFor({ timeout: 10_000 });
    const msg = (seq: number) => bob.page.locator(`.msg[data-seq="${seq}"]`);
    await expect.poll(() => msg(1).locator('.text').textContent(), { timeout: 10_000 }).toBe('keep me, edited');
    await expect.poll(() => msg(1).locator('.edited').count()).toBe(1);
    await expect.poll(() => msg(2).locator('.text').textContent()).toBe('message deleted');
    expect(await msg(2).getAttribute('class')).toContain('deleted');
    await expect.poll(() => msg(1).locator('.chip').textContent()).toBe('🎉 1');
    await expect.poll(() => bob.page.locator('.conversation .members .member[data-user="carol"]').count()).toBe(1);
    await expect.poll(() => bob.page.locator('.conversation .conv-header h2').textContent()).toBe('plans v2');
    await expect.poll(() => bob.page.locator(`.conv[data-id="${conv.id}"] .name`).textContent()).toBe('plans v2');
    await expect.poll(() => msg(3).locator('.text').textContent()).toBe('while you were away');
    expect(await bob.page.locator('.msg').count()).toBe(3); // each once

    // how: a second socket that resumed this conversation from cursor 2, not by seq, and no reload
    expect(sockets).toHaveLength(2);
    const resumes = sockets[1].filter((f) => f.type === 'resume' && f.conversation_id === conv.id);
    expect(resumes).toEqual([expect.objectContaining({ after_cursor: 2 })]);
    expect(resumes[0]).not.toHaveProperty('after_seq');
    expect(await reloaded()).toEqual({ marker: 'no reload', navigations: 0 });
    await screenshot(bob.page, 'browser-bob-back-online');
    expect(bob.problems).toEqual([]);
  });

  it('a conversation whose missed changes the server no longer keeps is loaded again, alone, without reloading the page', async () => {
    // a server of its own: a change ring of 2 (older changes come from PostgreSQL), and a database
    // the test can age, as CHANGE_RETENTION_DAYS does
    const databaseUrl = await createDatabase();
    const small = await startStrataServer({ DATABASE_URL: databaseUrl, CHANGE_RING_LIMIT: '2' });
    const db = new pg.Client({ connectionString: databaseUrl });
    await db.connect();
    let bob: { page: Page; problems: string[] } | undefined;
    try {
      const alice = new StrataRest({ baseUrl: small.url, token: await small.token('alice') });
      const conv = await alice.createConversation({ members: ['bob'], title: 'old news' });
      const first = await alice.send(conv.id, 'first'); // cursor 1

      const reader = await page(1100, 760, small.url);
      bob = reader;
      const sockets = sentFrames(reader.page);
      await signIn(reader.page, small.url, 'bob');
      await reader.page.locator('.conn[data-state=open]').waitFor();
      await reader.page.locator('.conv', { hasText: 'old news' }).click();
      await reader.page.locator('.msg[data-seq="1"]').waitFor();
      await reader.page.locator('.conversation').evaluate((el) => el.setAttribute('data-before-reload', ''));
      const reloaded = await noReloadProbe(reader.page);
      await reader.page.context().setOffline(true);
      await reader.page.locator('.conn[data-state=offline]').waitFor();

      await alice.edit(first.id, 'first, edited'); // cursor 2
      await alice.send(conv.id, 'second'); // 3
      await alice.send(conv.id, 'third'); // 4: the ring holds 3 and 4
      // retention passes over cursors 1..3 (what the warm store's pruning does after
      // CHANGE_RETENTION_DAYS), once the persist workers have stored them
      await eventually('changes 1..4 stored', async () => Number((await db.query('SELECT count(*) AS n FROM changes WHERE conversation_id = $1', [conv.id])).rows[0].n) === 4);
      await db.query('UPDATE conversations SET changes_floor = 3 WHERE id = $1', [conv.id]);
      await db.query('DELETE FROM changes WHERE conversation_id = $1 AND cursor <= 3', [conv.id]);
      await expect(alice.changes(conv.id, 1)).rejects.toMatchObject({ status: 410, code: 'RELOAD_REQUIRED' });

      await reader.page.context().setOffline(false);
      await reader.page.locator('.conn[data-state=open]').waitFor({ timeout: 10_000 });
      // resumed from cursor 1 → RELOAD_REQUIRED → the conversation (only) is loaded again
      await expect.poll(() => reader.page.locator('.conversation[data-before-reload]').count(), { timeout: 10_000 }).toBe(0);
      await expect.poll(() => reader.page.locator('.msg[data-seq="3"] .text').textContent()).toBe('third');
      expect(await reader.page.locator('.msg[data-seq="1"] .text').textContent()).toBe('first, edited');
      expect(await reader.page.locator('.msg[data-seq="2"] .text').textContent()).toBe('second');
      expect(await reader.page.locator('.msg').count()).toBe(3);
      await expect.poll(() => sockets[1]?.filter((f) => f.type === 'resume' && f.conversation_id === conv.id).map((f) => f.after_cursor))
        .toEqual([1, 4]); // the failed resume, then the one from where the reload left it
      expect(await reloaded()).toEqual({ marker: 'no reload', navigations: 0 });
      expect(reader.problems).toEqual([]);
    } finally {
      await bob?.page.context().close(); // first: a page still reconnecting holds the server's shutdown up
      await db.end();
      await small.stop();
    }
  });
});
