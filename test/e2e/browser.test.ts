// Acceptance 2: the web page in Debian's Chromium against `strata start` on real Valkey +
// PostgreSQL. alice and bob in two browser contexts (desktop and phone width) converse live;
// the read tick reaches alice; scroll-back pages through 2,000 messages across the tiers; a
// page that was offline shows, once back, every change it missed (the change log, resumed by
// cursor), in place, without reloading; threads open from "N replies" into a panel whose
// replies stay out of the main timeline unless also sent there, and mentions are highlighted
// and counted; search finds messages of other conversations and opens them at the message (a
// thread-only one in its thread), a bad query is said inline, and pins reach other members'
// pins bars live. Screenshots go to .test-artifacts/.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Locator, Page } from 'playwright-core';
import { StrataRest, type Message } from '../../src/sdk/index.js';
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

/** Bounded waits for what the page shows after a server round trip (a page of replies first
 *  waits, up to 2 s, for the warm store to hold what was just sent). */
const WAIT = { timeout: 10_000 };

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
    await alice.page.locator('.conversation[data-loaded]').waitFor();
    // created from the keyboard: the keyboard moves on to the new conversation's composer
    expect(await alice.page.evaluate(() => document.activeElement?.id)).toBe('composer');
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

  it('threads: a reply box in a panel opened from the root, "N replies" and unread live, thread-only replies out of the timeline, a mention highlighted and counted', async () => {
    const aliceRest = new StrataRest({ baseUrl: server.url, token: await server.token('alice') });
    const conv = await aliceRest.createConversation({ members: ['bob'], title: 'dinner' });
    const other = await aliceRest.createConversation({ members: ['bob'], title: 'elsewhere' });
    const root = await aliceRest.send(conv.id, 'where shall we eat?');

    const alice = await page(1100, 760);
    const bob = await page(1100, 760);
    await signIn(alice.page, server.url, 'alice');
    await signIn(bob.page, server.url, 'bob');
    await alice.page.locator('.conn[data-state=open]').waitFor();
    await bob.page.locator('.conn[data-state=open]').waitFor();
    const timeline = (p: Page) => p.locator('.conversation .messages');
    const replies = (p: Page) => p.locator('.thread-panel .thread-replies');
    const ids = (l: Locator) => l.locator('.msg').evaluateAll((els) => els.map((e) => e.getAttribute('data-id')));
    const sent = (p: Page, text: string) => replies(p).locator('.msg:not(.pending)', { hasText: text });

    await alice.page.locator('.conv', { hasText: 'dinner' }).click();
    const aliceRoot = timeline(alice.page).locator(`.msg[data-id="${root.id}"]`);
    await aliceRoot.waitFor();
    await bob.page.locator('.conv', { hasText: 'dinner' }).click();
    const bobRoot = timeline(bob.page).locator(`.msg[data-id="${root.id}"]`);
    await bobRoot.waitFor();
    expect(await bobRoot.locator('.thread-link').count()).toBe(0); // no replies yet

    // bob opens the thread from the root's "Reply in thread" and replies there only
    await bobRoot.locator('.thread-open').click();
    await bob.page.locator(`.thread-panel .thread-root .msg[data-id="${root.id}"]`).waitFor();
    await bob.page.fill('#thread-composer', 'pizza?');
    await bob.page.press('#thread-composer', 'Enter');
    await sent(bob.page, 'pizza?').waitFor();
    const pizzaId = (await sent(bob.page, 'pizza?').getAttribute('data-id'))!;

    // alice, live: the root counts the reply, unread in her thread; neither timeline shows it
    await expect.poll(() => aliceRoot.locator('.thread-link').textContent(), WAIT).toBe('1 reply');
    expect(await aliceRoot.locator('.thread-unread').textContent()).toBe('1');
    await expect.poll(() => bobRoot.locator('.thread-link').textContent(), WAIT).toBe('1 reply');
    expect(await bobRoot.locator('.thread-unread').count()).toBe(0); // his own reply
    expect(await ids(timeline(alice.page))).toEqual([root.id]);
    expect(await ids(timeline(bob.page))).toEqual([root.id]);

    // alice opens it from "1 reply": the reply is there, and her read mark reaches the server
    await aliceRoot.locator('.thread-link').click();
    await replies(alice.page).locator(`.msg[data-id="${pizzaId}"]`).waitFor();
    await expect.poll(async () => (await aliceRest.replies(root.id)).messages.map((m) => m.id), WAIT).toEqual([pizzaId]);
    const [pizza] = (await aliceRest.replies(root.id)).messages;
    expect(pizza).toMatchObject({ id: pizzaId, thread_id: root.id, in_timeline: false, mentions: [] });
    await alice.page.locator(`.thread-panel[data-read-seq="${pizza.seq}"]`).waitFor(WAIT);
    expect(await aliceRoot.locator('.thread-unread').count()).toBe(0);

    // alice goes to another conversation; bob replies in the thread only, then also to the
    // conversation, mentioning her by typing @alice
    await alice.page.locator('.conv', { hasText: 'elsewhere' }).click();
    await alice.page.locator(`.conversation[data-id="${other.id}"]`).waitFor();
    await bob.page.fill('#thread-composer', 'or tiramisu');
    await bob.page.press('#thread-composer', 'Enter');
    await sent(bob.page, 'or tiramisu').waitFor();
    await bob.page.check('#thread-also');
    await bob.page.fill('#thread-composer', '@alice pasta it is!');
    await bob.page.press('#thread-composer', 'Enter');
    await sent(bob.page, 'pasta it is').waitFor();
    await timeline(bob.page).locator('.msg', { hasText: 'pasta it is' }).waitFor();
    expect(await timeline(bob.page).locator('.msg', { hasText: 'tiramisu' }).count()).toBe(0);
    expect(await bob.page.isChecked('#thread-also')).toBe(false); // checked for one reply only
    await expect.poll(async () => (await aliceRest.replies(root.id)).messages.map((m) => m.text), WAIT)
      .toEqual(['pizza?', 'or tiramisu', '@alice pasta it is!']);
    const [, tiramisu, pasta] = (await aliceRest.replies(root.id)).messages;
    expect(tiramisu).toMatchObject({ in_timeline: false, mentions: [] });
    expect(pasta).toMatchObject({ thread_id: root.id, in_timeline: true, mentions: ['alice'] });
    expect((await aliceRest.mentions()).messages.map((m) => m.id)).toContain(pasta.id);

    // alice's list, live: 1 unread (the thread-only reply counts in its thread) and @1
    const item = alice.page.locator(`.conv[data-id="${conv.id}"]`);
    await expect.poll(() => item.locator('.mentions-badge').textContent(), WAIT).toBe('@1');
    expect(await item.locator('.unread').textContent()).toBe('1');
    // the same from the server (GET /v1/conversations) after reloading the page
    await alice.page.reload();
    await alice.page.locator('.conn[data-state=open]').waitFor();
    await expect.poll(() => item.locator('.mentions-badge').textContent(), WAIT).toBe('@1');
    expect(await item.locator('.unread').textContent()).toBe('1');

    // alice opens the conversation: the mention is highlighted, the count goes; the timeline
    // holds the root and the reply sent to it; the root counts 3 replies, 2 unread (/v1/threads)
    await item.click();
    const pastaEl = timeline(alice.page).locator(`.msg[data-id="${pasta.id}"]`);
    await pastaEl.waitFor();
    expect(await pastaEl.getAttribute('class')).toContain('mentioned');
    expect(await pastaEl.locator('.mention.me').textContent()).toBe('@alice');
    expect(await pastaEl.locator('.in-thread').count()).toBe(1);
    await expect.poll(() => item.locator('.mentions-badge').count(), WAIT).toBe(0);
    expect(await item.locator('.unread').count()).toBe(0);
    expect(await ids(timeline(alice.page))).toEqual([root.id, pasta.id]);
    expect(await aliceRoot.locator('.thread-link').textContent()).toBe('3 replies');
    expect(await aliceRoot.locator('.thread-unread').textContent()).toBe('2');

    // the thread, loaded from GET …/replies: every reply once, in order; reading it clears the badge
    await aliceRoot.locator('.thread-link').click();
    await expect.poll(() => ids(replies(alice.page)), WAIT).toEqual([pizzaId, tiramisu.id, pasta.id]);
    expect(await replies(alice.page).locator(`.msg[data-id="${pasta.id}"] .mention.me`).textContent()).toBe('@alice');
    await alice.page.locator(`.thread-panel[data-read-seq="${pasta.seq}"]`).waitFor(WAIT);
    expect(await aliceRoot.locator('.thread-unread').count()).toBe(0);
    // her reply reaches bob's open panel, and his root's count, live
    await alice.page.fill('#thread-composer', 'see you at 8');
    await alice.page.press('#thread-composer', 'Enter');
    await replies(bob.page).locator('.msg', { hasText: 'see you at 8' }).waitFor(WAIT);
    await expect.poll(() => bobRoot.locator('.thread-link').textContent(), WAIT).toBe('4 replies');
    expect(await ids(timeline(bob.page))).toEqual([root.id, pasta.id]);

    await screenshot(alice.page, 'browser-alice-thread');
    await screenshot(bob.page, 'browser-bob-thread');
    expect(alice.problems).toEqual([]);
    expect(bob.problems).toEqual([]);
  });

  it('a thread longer than a page: the timeline reaches back to its root, which counts every reply; the panel pages older replies', async () => {
    const aliceRest = new StrataRest({ baseUrl: server.url, token: await server.token('alice') });
    const conv = await aliceRest.createConversation({ members: ['bob'], title: 'long thread' });
    const root = await aliceRest.send(conv.id, 'the root');
    for (let i = 1; i <= 60; i++) await aliceRest.send(conv.id, `reply ${i}`, { thread_id: root.id, client_id: `long-thread-${i}` });
    const last = await aliceRest.send(conv.id, 'after the thread');

    const bob = await page(1100, 760);
    await signIn(bob.page, server.url, 'bob');
    await bob.page.locator('.conv', { hasText: 'long thread' }).click();
    // the newest page (50 messages) is all thread-only replies but the last: an older page is fetched for the root
    const timeline = bob.page.locator('.conversation .messages');
    await timeline.locator(`.msg[data-id="${root.id}"]`).waitFor();
    expect(await timeline.locator('.msg').evaluateAll((els) => els.map((e) => e.getAttribute('data-id')))).toEqual([root.id, last.id]);
    expect(await timeline.locator(`.msg[data-id="${root.id}"] .thread-link`).textContent()).toBe('60 replies');
    expect(await timeline.locator(`.msg[data-id="${root.id}"] .thread-unread`).count()).toBe(0); // not his thread

    await timeline.locator(`.msg[data-id="${root.id}"] .thread-link`).click();
    const texts = () => bob.page.locator('.thread-panel .thread-replies .msg .text').allTextContents();
    await expect.poll(async () => (await texts()).length, WAIT).toBe(50);
    await bob.page.locator('.thread-panel .older').click();
    await expect.poll(texts, WAIT).toEqual(Array.from({ length: 60 }, (_, i) => `reply ${i + 1}`));
    expect(await bob.page.locator('.thread-panel .older').count()).toBe(0);
    expect(bob.problems).toEqual([]);
  });

  it('search: a result in another conversation opens it at the message, history loaded around it; paged with "more"; a thread-only hit opens its thread; a bad query is said inline', async () => {
    const aliceRest = new StrataRest({ baseUrl: server.url, token: await server.token('alice') });
    const conv = await aliceRest.createConversation({ members: ['bob'], title: 'search target' });
    const other = await aliceRest.createConversation({ members: ['bob'], title: 'search elsewhere' });
    const sent: Message[] = [];
    for (let i = 1; i <= 120; i++) {
      sent.push(await aliceRest.send(conv.id, i === 40 ? 'the Quokka manifesto, <b>draft</b>' : `fillerword ${i}`, { client_id: `search-${i}` }));
    }
    const target = sent[39];
    expect(target.seq).toBe(40); // older than the latest page (71..120): the page must load history around it
    const root = sent[119];
    const reply = await aliceRest.send(conv.id, 'a wombat in the thread', { thread_id: root.id });

    const bob = await page(1100, 760);
    const asked: string[] = [];
    bob.page.on('request', (r) => asked.push(r.url()));
    await signIn(bob.page, server.url, 'bob');
    await bob.page.locator('.conn[data-state=open]').waitFor();
    // the conversation's first page arrives while bob types his query: its end must not take the
    // keyboard into the composer (the Enter would then never reach the search box)
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const historyOfOther = `${server.url}/v1/conversations/${other.id}/messages?*`;
    await bob.page.route(historyOfOther, async (route) => {
      await held;
      await route.continue();
    });
    await bob.page.locator('.conv', { hasText: 'search elsewhere' }).click();
    await bob.page.locator(`.conversation[data-id="${other.id}"]`).waitFor();
    await bob.page.fill('#search', 'quokka');
    release();
    await bob.page.locator(`.conversation[data-id="${other.id}"][data-loaded]`).waitFor(WAIT);
    expect(await bob.page.evaluate(() => document.activeElement?.id)).toBe('search');
    await bob.page.unroute(historyOfOther);
    await bob.page.keyboard.press('Enter');
    const hit = bob.page.locator(`.search-result[data-id="${target.id}"]`);
    await hit.waitFor(WAIT);
    expect(await bob.page.locator('.search-result').count()).toBe(1);
    expect(await hit.locator('.sender').textContent()).toBe('alice');
    expect(await hit.locator('.result-conv').textContent()).toBe('search target');
    expect(await hit.locator('.snippet mark').allTextContents()).toEqual(['Quokka']);
    expect(await hit.locator('.snippet').textContent()).toBe('the Quokka manifesto, <b>draft</b>'); // text, never markup
    expect(await hit.locator('.snippet b').count()).toBe(0);

    await hit.click();
    const timeline = bob.page.locator(`.conversation[data-id="${conv.id}"] .messages`);
    const shown = timeline.locator(`.msg[data-id="${target.id}"]`);
    await timeline.locator(`.msg[data-id="${target.id}"][data-focused]`).waitFor(WAIT);
    await expect.poll(() => inView(shown), WAIT).toBe(true);
    expect(await shown.locator('.text').textContent()).toBe('the Quokka manifesto, <b>draft</b>');
    expect(asked).toContain(`${server.url}/v1/conversations/${conv.id}/messages?after=20&limit=50`);
    // a window, not the latest page: newer messages load on demand
    expect(await bob.page.locator('.conversation[data-detached]').count()).toBe(1);
    expect(await timeline.locator(`.msg[data-id="${root.id}"]`).count()).toBe(0);
    expect(await bob.page.locator('.search-panel').isVisible()).toBe(true); // the results stay beside it
    const detached = () => bob.page.locator('.conversation[data-detached]').count();
    const lastSeq = async () => Math.max(...await timeline.locator('.msg').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-seq')))));
    for (let guard = 0; guard < 5 && (await detached()); guard++) { // 71..120, then the thread-only reply 121
      const before = await lastSeq();
      // "Load newer messages" (clicked in place: scrolling down loads the next page by itself, and
      // may already have taken the button away)
      await bob.page.evaluate(() => (document.querySelector('.conversation .bottom .newer') as HTMLButtonElement | null)?.click());
      await expect.poll(async () => !(await detached()) || (await lastSeq()) > before, WAIT).toBe(true);
    }
    expect(await detached()).toBe(0);
    expect(await timeline.locator(`.msg[data-id="${root.id}"] .thread-link`).textContent()).toBe('1 reply');
    const seqs = await timeline.locator('.msg').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-seq'))));
    expect(seqs.slice(seqs.indexOf(40))).toEqual(Array.from({ length: 81 }, (_, i) => 40 + i)); // contiguous up to the live end, each once

    // many hits: 20 a page, "More results" appends the next page
    await bob.page.fill('#search', 'fillerword');
    await bob.page.selectOption('#search-sort', 'time');
    await bob.page.press('#search', 'Enter');
    const results = bob.page.locator('.search-results .search-result');
    await expect.poll(() => results.count(), WAIT).toBe(20);
    await bob.page.locator('.search-more').click();
    await expect.poll(() => results.count(), WAIT).toBe(40);
    const pageSeqs = await results.evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-seq'))));
    expect(pageSeqs).toEqual(Array.from({ length: 40 }, (_, i) => 120 - i)); // newest first, each once across the pages

    // a thread-only reply: its thread opens with the reply shown
    await bob.page.fill('#search', 'wombat');
    await bob.page.press('#search', 'Enter');
    const wombat = bob.page.locator(`.search-result[data-id="${reply.id}"]`);
    await wombat.waitFor(WAIT);
    expect(await wombat.locator('.result-thread').count()).toBe(1);
    await wombat.click();
    const inPanel = bob.page.locator(`.thread-panel[data-root="${root.id}"] .thread-replies .msg[data-id="${reply.id}"]`);
    await bob.page.locator(`.thread-panel[data-root="${root.id}"] .thread-replies .msg[data-id="${reply.id}"][data-focused]`).waitFor(WAIT);
    expect(await inPanel.locator('.text').textContent()).toBe('a wombat in the thread');
    expect(await timeline.locator(`.msg[data-id="${reply.id}"]`).count()).toBe(0);

    // a query that does not parse: the server's reason, inline; a good one clears it
    await bob.page.fill('#search', '"unclosed phrase');
    await bob.page.press('#search', 'Enter');
    const error = bob.page.locator('.search-panel .search-error[data-code="SEARCH_QUERY_INVALID"]');
    await error.waitFor(WAIT);
    expect(await error.textContent()).toMatch(/^Invalid search: ./);
    expect(await results.count()).toBe(0);
    await expect(aliceRest.search('"unclosed phrase')).rejects.toMatchObject({ status: 400, code: 'SEARCH_QUERY_INVALID' });
    await bob.page.fill('#search', 'quokka');
    await bob.page.press('#search', 'Enter');
    await hit.waitFor(WAIT);
    expect(await bob.page.locator('.search-panel .search-error').textContent()).toBe('');
    await screenshot(bob.page, 'browser-bob-search');
    await bob.page.locator('.search-close').click();
    await bob.page.locator('.conv-list').waitFor();
    expect(await bob.page.locator('.search-panel').isVisible()).toBe(false);
    // Chromium logs a 400 answer as a failed resource load: the one bad query's, nothing else
    expect(bob.problems).toEqual(['console: Failed to load resource: the server responded with a status of 400 (Bad Request)']);

    // phone width: the results in front, a pick shows the conversation, back shows the results again
    const phone = await page(390, 760);
    await signIn(phone.page, server.url, 'bob');
    await phone.page.fill('#search', 'quokka');
    await phone.page.press('#search', 'Enter');
    await phone.page.locator(`.search-result[data-id="${target.id}"]`).click();
    await phone.page.locator(`.conversation .messages .msg[data-id="${target.id}"][data-focused]`).waitFor(WAIT);
    await expect.poll(() => inView(phone.page.locator(`.conversation .messages .msg[data-id="${target.id}"]`)), WAIT).toBe(true);
    expect(await phone.page.locator('.search-panel').isVisible()).toBe(false);
    await phone.page.locator('.conversation .back').click();
    await phone.page.locator(`.search-panel .search-result[data-id="${target.id}"]`).waitFor(WAIT);
    expect(await phone.page.locator('.conversation').isVisible()).toBe(false);
    expect(phone.problems).toEqual([]);
  });

  it('pins: an owner pins from the message, another member\'s pins bar shows it live, a click jumps to it, and an unpin removes it', async () => {
    const aliceRest = new StrataRest({ baseUrl: server.url, token: await server.token('alice') });
    const conv = await aliceRest.createConversation({ members: ['bob'], title: 'pinboard' });
    const sent: Message[] = [];
    for (let i = 1; i <= 80; i++) sent.push(await aliceRest.send(conv.id, `note ${i}`, { client_id: `pin-${i}` }));
    const [early, late] = [sent[4], sent[79]]; // seq 5: older than bob's first page; seq 80: on it

    const alice = await page(1100, 760);
    const bob = await page(1100, 760);
    await signIn(alice.page, server.url, 'alice');
    await signIn(bob.page, server.url, 'bob');
    for (const p of [alice.page, bob.page]) {
      await p.locator('.conn[data-state=open]').waitFor();
      await p.locator('.conv', { hasText: 'pinboard' }).click();
      await p.locator(`.msg[data-id="${late.id}"]`).waitFor(WAIT);
    }
    const bobPins = bob.page.locator('.conversation .pins');
    expect(await bobPins.isVisible()).toBe(false); // no pins yet
    expect(await bob.page.locator('.msg .pin').count()).toBe(0); // a plain member: no Pin action
    expect(await alice.page.locator(`.msg[data-id="${late.id}"] .pin`).textContent()).toBe('Pin');

    // alice pins the latest message from its actions; bob's bar shows it live
    await alice.page.locator(`.msg[data-id="${late.id}"] .pin`).click();
    const bobLate = bobPins.locator(`.pin-item[data-id="${late.id}"]`);
    await bobLate.waitFor(WAIT);
    expect(await bobLate.textContent()).toBe('alice: note 80');
    await alice.page.locator(`.msg[data-id="${late.id}"] .unpin`).waitFor(WAIT); // her own page, from the same change
    await bob.page.locator(`.msg.pinned[data-id="${late.id}"] .pin-mark`).waitFor(WAIT);

    // one bob's page has not loaded (seq 5): pinned over REST, it shows live too, newest pin first
    await aliceRest.pin(early.id);
    const bobEarly = bobPins.locator(`.pin-item[data-id="${early.id}"]`);
    await expect.poll(() => bobEarly.textContent(), WAIT).toBe('alice: note 5');
    expect(await bobPins.locator('.pin-item').evaluateAll((els) => els.map((e) => e.getAttribute('data-id')))).toEqual([early.id, late.id]);
    expect((await aliceRest.pins(conv.id)).pins.map((p) => [p.message.id, p.pinned_by])).toEqual([[early.id, 'alice'], [late.id, 'alice']]);
    await expect(new StrataRest({ baseUrl: server.url, token: await server.token('bob') }).pin(early.id)).rejects.toMatchObject({ status: 403, code: 'FORBIDDEN' });

    // a click jumps to it: history around seq 5, the message shown and marked
    await bobEarly.click();
    const bobEarlyMsg = bob.page.locator(`.conversation .messages .msg[data-id="${early.id}"]`);
    await bob.page.locator(`.conversation .messages .msg[data-id="${early.id}"][data-focused]`).waitFor(WAIT);
    await expect.poll(() => inView(bobEarlyMsg), WAIT).toBe(true);
    expect(await bobPins.locator('.pin-item').count()).toBe(2); // the bar of the view opened at it, from GET …/pins

    // alice unpins from the message; it leaves bob's bar live, and the bar goes once empty
    await alice.page.locator(`.msg[data-id="${late.id}"] .unpin`).click();
    await expect.poll(() => bobPins.locator('.pin-item').evaluateAll((els) => els.map((e) => e.getAttribute('data-id'))), WAIT).toEqual([early.id]);
    await aliceRest.unpin(early.id);
    await expect.poll(() => bobPins.isVisible(), WAIT).toBe(false);
    expect((await aliceRest.pins(conv.id)).pins).toEqual([]);
    await screenshot(alice.page, 'browser-alice-pins');
    expect(alice.problems).toEqual([]);
    expect(bob.problems).toEqual([]);
  });
});

/** Whether an element lies wholly within the visible part of its scrolling list. */
function inView(l: Locator): Promise<boolean> {
  return l.evaluate((el) => {
    const r = el.getBoundingClientRect();
    const box = (el.closest('.messages, .thread-replies') ?? document.documentElement).getBoundingClientRect();
    return r.height > 0 && r.top >= box.top - 1 && r.bottom <= box.bottom + 1;
  });
}
