// Acceptance 2: the web page in Debian's Chromium against `strata start` on real Valkey +
// PostgreSQL. alice and bob in two browser contexts (desktop and phone width) converse live;
// the read tick reaches alice; scroll-back pages through 2,000 messages across the tiers.
// Screenshots go to .test-artifacts/.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { StrataRest } from '../../src/sdk/index.js';
import { launchChromium, screenshot, signIn, watch } from '../helpers/browser.js';
import { startStrataServer, type StrataServer } from '../helpers/strata-server.js';

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

async function page(width: number, height: number): Promise<{ page: Page; problems: string[] }> {
  const p = await (await browser.newContext({ viewport: { width, height } })).newPage();
  return { page: p, problems: watch(p, server.url) };
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
});
