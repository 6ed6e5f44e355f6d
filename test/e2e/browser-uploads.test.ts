// Attachments in the web page (issue #13), in Debian's Chromium against `strata start` on the
// embedded object store (ARCHIVE_URL unset: files under DATA_DIR/archive/uploads, signed
// Strata URLs). alice attaches a PNG and a text file with the file picker, watches them upload,
// and sends; bob's page shows the image decoded (naturalWidth > 0: its bytes came through the
// membership-checked link to the signed download URL) with its width/height, and a download
// link whose URL gives the text back. A dropped file is sent without text; a file over
// UPLOAD_MAX_BYTES and a refused type show the server's code in the tray and keep the send
// back until removed; an edit keeps the files, a delete removes them on the other page.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { StrataRest } from '../../src/sdk/index.js';
import { png } from '../../src/attachments/attachments.test-kit.js';
import { launchChromium, screenshot, signIn, watch } from '../helpers/browser.js';
import { startStrataServer, type StrataServer } from '../helpers/strata-server.js';

const MAX = 100_000;
let server: StrataServer;
let browser: Browser;
let dataDir: string;

beforeAll(async () => {
  browser = await launchChromium(); // first: a missing chromium fails fast, naming the package
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-web-uploads-'));
  server = await startStrataServer({ DATA_DIR: dataDir, UPLOAD_MAX_BYTES: String(MAX) });
});
afterAll(async () => {
  await browser?.close();
  await server?.stop();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

async function page(width: number, height: number): Promise<{ page: Page; problems: string[] }> {
  const p = await (await browser.newContext({ viewport: { width, height } })).newPage();
  return { page: p, problems: watch(p, server.url) };
}

const WAIT = { timeout: 10_000 };
/** The browser logs a refused request as a console error: the refusals this test provokes. */
const expectedRefusals = (problems: string[]) => problems.filter((p) => !/status of (413|415)/.test(p));

describe('web page attachments in Chromium', () => {
  it('alice sends an image and a text file; bob sees the image loaded and the file link; errors are shown; edits keep and deletes drop them', async () => {
    const rest = new StrataRest({ baseUrl: server.url, token: await server.token('alice') });
    await rest.createConversation({ members: ['bob'], title: 'files' });
    const alice = await page(1100, 800);
    const bob = await page(390, 800); // phone width
    await signIn(alice.page, server.url, 'alice');
    await signIn(bob.page, server.url, 'bob');
    await alice.page.locator('.conn[data-state=open]').waitFor();
    await alice.page.locator('.conv', { hasText: 'files' }).click();
    await alice.page.locator('.conversation[data-id] #composer').waitFor();

    // the picker: two files upload at once, each with its own tray item
    const image = Buffer.from(png(3, 2));
    await alice.page.setInputFiles('#composer-files', [
      { name: 'dot.png', mimeType: 'image/png', buffer: image },
      { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('hello notes\n') },
    ]);
    const tray = alice.page.locator('.tray-file');
    await expect.poll(() => tray.evaluateAll((els) => els.map((e) => `${e.getAttribute('data-name')}:${e.getAttribute('data-state')}`)), WAIT)
      .toEqual(['dot.png:done', 'notes.txt:done']);
    await alice.page.fill('#composer', 'two files');
    await alice.page.press('#composer', 'Enter');
    await alice.page.locator('.msg.mine[data-seq="1"] .att-image img').waitFor();
    expect(await tray.count()).toBe(0);

    await bob.page.locator('.conv', { hasText: 'files' }).click();
    const msg1 = bob.page.locator('.msg[data-seq="1"]');
    await expect.poll(() => msg1.locator('.text').textContent(), WAIT).toBe('two files');
    const img = msg1.locator('.att-image img');
    await expect.poll(() => img.evaluate((el: HTMLImageElement) => el.complete && el.naturalWidth), WAIT).toBe(3);
    expect(await img.evaluate((el: HTMLImageElement) => [el.naturalHeight, el.getAttribute('width'), el.getAttribute('height'), el.alt])).toEqual([2, '3', '2', 'dot.png']);
    const src = await img.getAttribute('src');
    expect(src).toMatch(new RegExp(`^${server.url}/v1/uploads/[0-9a-f-]+\\?`)); // the signed URL, no token in it
    const file = msg1.locator('.att-file');
    await expect.poll(() => file.locator('.file-name').textContent()).toBe('notes.txt');
    expect(await file.locator('.file-size').textContent()).toBe('12 B');
    await expect.poll(() => file.getAttribute('href'), WAIT).toMatch(/\/v1\/uploads\//);
    const got = await bob.page.evaluate(async (href) => {
      const r = await fetch(href);
      return { status: r.status, type: r.headers.get('content-type'), body: await r.text() };
    }, (await file.getAttribute('href'))!);
    expect(got).toMatchObject({ status: 200, body: 'hello notes\n' });
    expect(got.type).toMatch(/^text\/plain/);
    await screenshot(bob.page, 'browser-uploads-bob');

    // a dropped file, no text: sent with its name as the text
    await alice.page.evaluate(() => {
      const dt = new DataTransfer();
      dt.items.add(new File(['dropped bytes'], 'dropped.csv', { type: 'text/csv' }));
      document.querySelector('.conv-main')!.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    });
    await expect.poll(() => tray.getAttribute('data-state'), WAIT).toBe('done');
    await alice.page.press('#composer', 'Enter');
    await expect.poll(() => bob.page.locator('.msg[data-seq="2"] .att-file .file-name').textContent(), WAIT).toBe('dropped.csv');
    expect(await bob.page.locator('.msg[data-seq="2"] .text').textContent()).toBe('dropped.csv');

    // too large, and a type the server refuses: the server's code in the tray; the send is held back
    await alice.page.setInputFiles('#composer-files', [
      { name: 'big.png', mimeType: 'image/png', buffer: Buffer.alloc(MAX + 1) },
      { name: 'tool.exe', mimeType: 'application/x-msdownload', buffer: Buffer.from('MZ') },
    ]);
    await expect.poll(() => tray.evaluateAll((els) => els.map((e) => e.getAttribute('data-state'))), WAIT).toEqual(['failed', 'failed']);
    expect(await tray.nth(0).locator('.file-note').textContent()).toContain('UPLOAD_TOO_LARGE');
    expect(await tray.nth(1).locator('.file-note').textContent()).toContain('UPLOAD_TYPE_NOT_ALLOWED');
    await alice.page.fill('#composer', 'not yet');
    await alice.page.press('#composer', 'Enter');
    await expect.poll(() => alice.page.locator('.composer-status').textContent()).toContain('big.png, tool.exe');
    expect(await alice.page.locator('.msg[data-seq="3"]').count()).toBe(0);
    await screenshot(alice.page, 'browser-uploads-alice-errors');
    await alice.page.getByRole('button', { name: 'Remove big.png' }).click();
    await alice.page.getByRole('button', { name: 'Remove tool.exe' }).click();
    expect(await tray.count()).toBe(0);
    await alice.page.press('#composer', 'Enter'); // the text is still there, now it goes
    await expect.poll(() => bob.page.locator('.msg[data-seq="3"] .text').textContent(), WAIT).toBe('not yet');
    expect(await bob.page.locator('.msg[data-seq="3"] .attachments').count()).toBe(0);

    // an edit keeps the files; a delete drops them on the other page
    await alice.page.locator('.msg[data-seq="1"] .edit').click();
    await alice.page.fill('.msg[data-seq="1"] .edit-input', 'two files!');
    await alice.page.press('.msg[data-seq="1"] .edit-input', 'Enter');
    await expect.poll(() => msg1.locator('.text').textContent(), WAIT).toBe('two files!');
    await expect.poll(() => msg1.locator('.att-image img').evaluate((el: HTMLImageElement) => el.complete && el.naturalWidth), WAIT).toBe(3);
    expect(await msg1.locator('.att-file').count()).toBe(1);
    const del = alice.page.locator('.msg[data-seq="1"] .delete');
    await del.click();
    await del.click(); // the second click confirms
    await expect.poll(() => msg1.locator('.text').textContent(), WAIT).toBe('message deleted');
    expect(await msg1.locator('.attachments').count()).toBe(0);

    expect(expectedRefusals(alice.problems)).toEqual([]);
    expect(bob.problems).toEqual([]);
  });
});
