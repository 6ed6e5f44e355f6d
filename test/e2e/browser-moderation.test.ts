// Moderation in the web page (issue #14), in Debian's Chromium against `strata start` on the
// suite's Valkey + PostgreSQL. alice (owner) and bob (member) have the conversation open: alice
// mutes bob from the member list → bob's composer says "Muted until HH:MM" and is disabled (the
// server refuses his send too: 403 MUTED), alice unmutes → enabled again; alice sets slow mode
// 5 s → bob's header says so, his send starts a countdown (≤ 5) with sending disabled until it
// ends, while alice (owner) is exempt; bob reports alice's message, an operator (signed in with
// the dev form's operator box) finds it in the report queue and dismisses it; in announcement
// mode bob has no composer ("Only admins can post") but still reacts; alice bans bob → bob's
// page says he was removed and the conversation leaves his list; an app-wide ban closes carol's
// socket with 4403 and her page stops with a terminal message. No sleeps: locator waits and
// expect.poll on what the pages show.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { StrataRest } from '../../src/sdk/index.js';
import { mintToken } from '../../src/auth/tokens.js';
import { launchChromium, screenshot, signIn, watch } from '../helpers/browser.js';
import { SERVER_SECRET, startStrataServer, type StrataServer } from '../helpers/strata-server.js';

let server: StrataServer;
let browser: Browser;

beforeAll(async () => {
  browser = await launchChromium(); // first: a missing chromium fails fast, naming the package
  server = await startStrataServer();
});
afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

async function page(width: number, height: number): Promise<{ page: Page; problems: string[] }> {
  const p = await (await browser.newContext({ viewport: { width, height } })).newPage();
  return { page: p, problems: watch(p, server.url) };
}

const WAIT = { timeout: 10_000 };
/** The browser logs a refused request as a console error: the refusals this test provokes. */
const unexpected = (problems: string[]) => problems.filter((p) => !/status of (403|404)/.test(p));

async function open(p: Page, title: string) {
  await p.locator('.conn[data-state=open]').waitFor();
  await p.locator('.conv', { hasText: title }).click();
  await p.locator('.conversation[data-id] #composer').waitFor({ state: 'attached' });
}

describe('web page moderation in Chromium', () => {
  it('mute, slow mode, report and the operator queue, announcement, ban, app-wide ban', async () => {
    const aliceRest = new StrataRest({ baseUrl: server.url, token: await server.token('alice') });
    const bobRest = new StrataRest({ baseUrl: server.url, token: await server.token('bob') });
    const conv = await aliceRest.createConversation({ members: ['bob'], title: 'mod room', kind: 'group' });
    await aliceRest.send(conv.id, 'hello from alice');
    const alice = await page(1100, 800);
    const bob = await page(1100, 800);
    await signIn(alice.page, server.url, 'alice');
    await signIn(bob.page, server.url, 'bob');
    await open(alice.page, 'mod room');
    await open(bob.page, 'mod room');
    const a = alice.page;
    const b = bob.page;
    const bobBox = b.locator('#composer');
    const bobSend = b.locator('.conv-main .composer .send');

    // mute: from alice's member list; bob's box says until when and takes nothing
    await a.locator('.member[data-user=bob] .member-menu summary').click();
    await a.locator('.member[data-user=bob] .mute-60').click();
    await b.locator('.composer[data-blocked=all] .muted-note', { hasText: /^Muted until \d{1,2}:\d{2}/ }).waitFor(WAIT);
    expect(await bobBox.isDisabled()).toBe(true);
    expect(await bobSend.isDisabled()).toBe(true);
    await expect(bobRest.send(conv.id, 'let me talk')).rejects.toMatchObject({ status: 403, code: 'MUTED', extra: { muted_until: expect.any(String) } });
    await a.locator('.member[data-user=bob][data-muted=true]').waitFor(WAIT);

    // unmute: enabled again (the menu closed after the mute)
    await a.locator('.member[data-user=bob] .member-menu summary').click();
    await a.locator('.member[data-user=bob] .unmute').click();
    await expect.poll(() => bobBox.isEnabled(), WAIT).toBe(true);
    expect(await b.locator('.conv-main .composer[data-blocked]').count()).toBe(0);
    await bobBox.fill('thanks');
    await bobBox.press('Enter');
    await a.locator('.msg', { hasText: 'thanks' }).waitFor(WAIT);

    // slow mode 10 s (long enough that a loaded machine still sees the countdown running): the
    // header says so; bob's send starts the countdown, sending is off until it ends
    await a.selectOption('#conv-slow-mode', '10');
    await expect.poll(() => b.locator('.conv-header .slow-mode').textContent(), WAIT).toBe('Slow mode: 10 s');
    await bobBox.fill('first in slow mode');
    await bobBox.press('Enter');
    await a.locator('.msg', { hasText: 'first in slow mode' }).waitFor(WAIT);
    const countdown = b.locator('.conv-main .composer[data-blocked=send] .countdown');
    await countdown.waitFor(WAIT);
    const left = Number(await countdown.textContent());
    expect(left).toBeGreaterThanOrEqual(1);
    expect(left).toBeLessThanOrEqual(10);
    expect(await bobSend.isDisabled()).toBe(true);
    await bobBox.fill('too soon');
    await bobBox.press('Enter'); // refused by the page: the text stays in the box
    expect(await bobBox.inputValue()).toBe('too soon');
    // alice, the owner, is exempt: two sends in a row, her box never blocked
    for (const text of ['owner one', 'owner two']) {
      await a.fill('#composer', text);
      await a.press('#composer', 'Enter');
      await b.locator('.msg', { hasText: text }).waitFor(WAIT);
    }
    expect(await a.locator('.conv-main .composer[data-blocked]').count()).toBe(0);
    await expect.poll(() => bobSend.isEnabled(), { timeout: 20_000 }).toBe(true); // the cooldown ended (≤ 10 s)
    await bobBox.press('Enter');
    await a.locator('.msg', { hasText: 'too soon' }).waitFor(WAIT);
    await a.selectOption('#conv-slow-mode', '0');
    await expect.poll(() => b.locator('.conv-header .slow-mode').isHidden(), WAIT).toBe(true);

    // report: bob flags alice's message with a reason
    const hello = b.locator('.msg', { hasText: 'hello from alice' });
    expect(await b.locator('.msg.mine .report').count()).toBe(0); // not on his own messages
    await hello.locator('.report').click();
    await b.fill('#report-reason', 'spam, honestly');
    await b.locator('.report-send').click();
    await b.locator('.report-result[data-state=sent]', { hasText: 'Reported' }).waitFor(WAIT);
    await b.locator('.report-cancel').click();

    // the operator's queue: the report with text, reporter and reason; dismissed
    const ops = await page(1100, 800);
    await ops.page.goto(server.url);
    await ops.page.fill('#signin-user', 'ops');
    await ops.page.check('#signin-operator');
    await ops.page.press('#signin-user', 'Enter');
    await ops.page.locator('.me[data-user=ops]').waitFor();
    const item = ops.page.locator('.reports-panel .report-item', { hasText: 'hello from alice' });
    await item.waitFor(WAIT);
    expect(await item.locator('.report-reporter').textContent()).toBe('reported by bob');
    expect(await item.locator('.report-sender').textContent()).toBe('by alice');
    expect(await item.locator('.report-reason').textContent()).toBe('spam, honestly');
    expect(await item.locator('.resolve-mute, .resolve-ban').count()).toBe(0); // REPORT_ACTION_UNAVAILABLE here: not offered
    await item.locator('.resolve-dismiss').click();
    await expect.poll(() => item.getAttribute('data-state'), WAIT).toBe('dismissed');
    expect(await item.locator('.report-outcome').textContent()).toBe('Dismissed');
    const opsRest = new StrataRest({ baseUrl: server.url, token: await mintToken(SERVER_SECRET, 'ops', { admin: true }) });
    expect((await opsRest.reports()).reports.filter((r) => r.conversation_id === conv.id)).toEqual([]);
    expect(await alice.page.locator('.reports-panel').count()).toBe(0); // not an operator

    // announcement: bob has no box, only the note, and still reacts
    await a.check('#conv-announcement');
    await b.locator('.conv-main .composer[data-blocked=gone] .announcement-note', { hasText: 'Only admins can post' }).waitFor(WAIT);
    expect(await bobBox.isVisible()).toBe(false);
    await hello.locator('.react', { hasText: '👍' }).click();
    await expect.poll(() => a.locator('.msg', { hasText: 'hello from alice' }).locator('.chip').textContent(), WAIT).toBe('👍 1');
    await screenshot(b, 'browser-moderation-bob-announcement');
    await a.uncheck('#conv-announcement');
    await expect.poll(() => bobBox.isVisible(), WAIT).toBe(true);

    // ban: bob's page says he was removed; the conversation leaves his list
    await a.locator('.member[data-user=bob] .member-menu summary').click();
    const ban = a.locator('.member[data-user=bob] .ban');
    await ban.click();
    await expect.poll(() => ban.textContent()).toBe('Confirm ban of bob');
    await ban.click();
    await b.locator('.removed-notice', { hasText: 'You were removed from this conversation' }).waitFor(WAIT);
    await expect.poll(() => b.locator('.conv', { hasText: 'mod room' }).count(), WAIT).toBe(0);
    expect(await b.locator('.conversation').count()).toBe(0);
    await expect.poll(() => a.locator('.member[data-user=bob]').count(), WAIT).toBe(0);
    await expect(bobRest.send(conv.id, 'still here?')).rejects.toMatchObject({ status: 404, code: 'CONVERSATION_NOT_FOUND' });
    await screenshot(b, 'browser-moderation-bob-banned');

    // app-wide ban: carol's socket closes with 4403, her page stops with a terminal message
    const carol = await page(1100, 800);
    await signIn(carol.page, server.url, 'carol');
    await carol.page.locator('.conn[data-state=open]').waitFor();
    let sockets = 0;
    carol.page.on('websocket', () => sockets++);
    await opsRest.request('POST', '/v1/admin/users/carol/ban', { reason: 'test' });
    await carol.page.locator('.account-banned [role=alert]', { hasText: 'An operator banned your account' }).waitFor(WAIT);
    expect(sockets).toBe(0); // no reconnect
    await screenshot(carol.page, 'browser-moderation-carol-banned');

    expect(unexpected(alice.problems)).toEqual([]);
    expect(unexpected(bob.problems)).toEqual([]);
    expect(ops.problems).toEqual([]);
    expect(unexpected(carol.problems)).toEqual([]);
  });
});
