// `npx strata send` / `tail` against a real `strata start` (embedded defaults, fresh DATA_DIR):
// tail prints another client's message within a second, send exits 0 and the message is
// stored, a wrong token exits 1 with one clear line, and every command has --help.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StrataRest } from '../../src/sdk/index.js';
import { freePort, waitFor } from '../services/ports.js';

const run = promisify(execFile);
const BIN = path.resolve('bin/strata.js');
let dir: string;
let server: ChildProcess;
let url: string;
const children: ChildProcess[] = [];
const env = () => ({ ...process.env, DATA_DIR: path.join(dir, 'data'), LOG_LEVEL: 'warn', NODE_ENV: 'development', AUTH_JWT_SECRET: '', STRATA_TOKEN: '' });
const strata = (...args: string[]) => run(process.execPath, [BIN, ...args], { env: env() }).then((r) => ({ code: 0, ...r }), (e: { code: number; stdout: string; stderr: string }) => e);
const token = async (user: string) => (await strata('token', user)).stdout.trim();

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-cli-'));
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  server = spawn(process.execPath, [BIN, 'start'], { env: { ...env(), PORT: String(port) }, stdio: 'ignore' });
  await waitFor('strata start', async () => (await fetch(`${url}/healthz`)).ok, 30_000);
});

afterAll(async () => {
  for (const c of [...children, server]) {
    if (c && c.exitCode === null) {
      c.kill('SIGTERM');
      await new Promise((r) => c.once('exit', r));
    }
  }
  fs.rmSync(dir, { recursive: true, force: true });
});

async function conversation(): Promise<string> {
  const alice = new StrataRest({ baseUrl: url, token: await token('alice') });
  return (await alice.createConversation({ members: ['bob'] })).id;
}

describe('strata send / tail', () => {
  it('tail prints a message another client sends; send exits 0 and stores it', async () => {
    const conv = await conversation();
    const tail = spawn(process.execPath, [BIN, 'tail', conv, '--as', 'bob', '--url', url], { env: env(), stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(tail);
    let out = '';
    let err = '';
    tail.stdout!.on('data', (d) => (out += d));
    tail.stderr!.on('data', (d) => (err += d));
    await waitFor('tail to connect', async () => err.includes('tailing'), 20_000);

    const alice = new StrataRest({ baseUrl: url, token: await token('alice') });
    const m = await alice.send(conv, 'from the SDK');
    await waitFor('the SDK message in tail', async () => out.includes(`#${m.seq} `), 5_000);

    const sent = await strata('send', conv, 'hello', 'from', 'the', 'CLI', '--as', 'alice', '--url', url);
    expect(sent.code).toBe(0);
    expect(sent.stdout).toMatch(/^#2 \S+ alice: hello from the CLI\n$/);
    await waitFor('the CLI message in tail', async () => out.includes('alice: hello from the CLI'), 5_000);
    const lines = out.trim().split('\n');
    expect(lines).toEqual([expect.stringMatching(/^#1 \S+ alice: from the SDK$/), expect.stringMatching(/^#2 \S+ alice: hello from the CLI$/)]);
    const bob = new StrataRest({ baseUrl: url, token: await token('bob') });
    expect((await bob.history(conv)).messages.map((x) => x.text)).toEqual(['from the SDK', 'hello from the CLI']);

    tail.kill('SIGINT');
    expect(await new Promise((r) => tail.once('exit', r))).toBe(0);
  });

  it('a wrong token exits 1 with one clear line (send and tail)', async () => {
    const conv = await conversation();
    for (const cmd of ['send', 'tail']) {
      const args = cmd === 'send' ? ['send', conv, 'x'] : ['tail', conv];
      const r = await strata(...args, '--token', 'not.a.token', '--url', url);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^strata: the server at http:\/\/127\.0\.0\.1:\d+ rejected the token \(UNAUTHENTICATED: [^\n]+\)\n$/);
    }
    const notMember = await strata('send', conv, 'x', '--as', 'carol', '--url', url);
    expect(notMember.code).toBe(1);
    expect(notMember.stderr).toContain('CONVERSATION_NOT_FOUND');
    const noToken = await strata('send', conv, 'x', '--url', url);
    expect(noToken.code).toBe(2);
    expect(noToken.stderr).toContain('--token, set STRATA_TOKEN, or --as <user>');
  });

  it('has --help on every command and exits 2 on misuse', async () => {
    for (const cmd of ['start', 'worker', 'migrate', 'token', 'send', 'tail', 'search']) {
      const r = await strata(cmd, '--help');
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^Usage: npx strata ${cmd}`));
    }
    expect((await strata('send', 'only-a-conversation')).code).toBe(2);
    expect((await strata('tail', 'c', '--bogus', 'x')).code).toBe(2);
    expect((await strata('search')).code).toBe(2);
    expect((await strata('search', 'x', '--sort', 'best')).code).toBe(2);
  });
});

describe('strata search', () => {
  it('prints the matches of my conversations with the matched words marked, pages with --cursor, and a bad query as one line', async () => {
    const conv = await conversation();
    await strata('send', conv, 'the deploy is green', '--as', 'alice', '--url', url);
    await strata('send', conv, 'Deploy failed', '--as', 'bob', '--url', url);
    await strata('send', conv, 'lunch?', '--as', 'bob', '--url', url);
    const r = await strata('search', 'deploy', '--conversation', conv, '--sort', 'time', '--as', 'bob', '--url', url);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(new RegExp(`^#2 \\S+ bob \\(${conv}\\): \\*\\*Deploy\\*\\* failed$`));
    expect(lines[1]).toContain('alice (');
    expect(lines[1]).toContain('the **deploy** is green');
    const first = await strata('search', 'deploy', '--conversation', conv, '--sort', 'time', '--limit', '1', '--as', 'bob', '--url', url);
    const cursor = /more: --cursor (\S+)/.exec(first.stdout)![1];
    const next = await strata('search', 'deploy', '--conversation', conv, '--sort', 'time', '--limit', '1', '--cursor', cursor, '--as', 'bob', '--url', url);
    expect(next.stdout.trim()).toBe(lines[1]);
    expect((await strata('search', 'deploy', '--as', 'carol', '--url', url)).stdout.trim()).toBe('no results');
    const bad = await strata('search', '"open', '--as', 'bob', '--url', url);
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toContain('closing quote');
  });
});
