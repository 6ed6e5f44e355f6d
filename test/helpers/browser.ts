// Debian's Chromium driven by playwright-core. A missing browser FAILS the test naming the
// package (npm test installs it); nothing skips. Each launch gets a fresh temporary profile
// (playwright creates one per launch: it refuses an explicit --user-data-dir on launch()).
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const ARTIFACTS = path.resolve('.test-artifacts');

export async function launchChromium(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} not found: the browser tests need Debian's "chromium" package (apt-get install -y chromium; \`npm test\` installs it when run as root)`);
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'],
  });
}

/** Collects console errors, uncaught exceptions and requests that left 127.0.0.1. */
export function watch(page: Page, origin: string) {
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('request', (r) => {
    const u = r.url();
    if (!u.startsWith(origin) && !u.startsWith(origin.replace(/^http/, 'ws')) && !u.startsWith('data:')) problems.push(`external request: ${u}`);
  });
  return problems;
}

export async function screenshot(page: Page, name: string) {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: false });
}

export async function signIn(page: Page, url: string, user: string) {
  await page.goto(url);
  await page.fill('#signin-user', user);
  await page.press('#signin-user', 'Enter'); // the keyboard path
  await page.locator(`.me[data-user="${user}"]`).waitFor();
}
