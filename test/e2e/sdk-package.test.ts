// The SDK the way a user gets it: `npm pack` of packages/client (@strata/client), the tarball
// installed into empty projects (no registry: --offline), imported by its name from a plain
// `node` process and from a plain <script type="module"> page in Debian's Chromium, against
// `strata start` on real Valkey + PostgreSQL. Nothing here imports the SDK's sources except to
// set up conversations from the test itself.
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StrataRest } from '../../src/sdk/index.js';
import { launchChromium, screenshot, watch } from '../helpers/browser.js';
import { startStrataServer, type StrataServer } from '../helpers/strata-server.js';

const run = promisify(execFile);
const ROOT = path.resolve('.');
const NODE_MAJOR = Number(process.versions.node.split('.')[0]);
/** Node 20 has WebSocket behind a flag; Node 22+ has it on by default (and a flag to turn it off). */
const WITH_GLOBAL_WEBSOCKET = NODE_MAJOR < 22 ? ['--experimental-websocket'] : [];
const WITHOUT_GLOBAL_WEBSOCKET = NODE_MAJOR < 22 ? [] : ['--no-experimental-websocket'];

let dir: string;
let server: StrataServer;
let browser: Browser;
/** Only @strata/client installed; and @strata/client + ws (the optional peer, for Node 20). */
let plain: string;
let withWs: string;

const npm = (cwd: string, ...args: string[]) =>
  run('npm', [...args, '--no-audit', '--no-fund', '--no-update-notifier'], { cwd, env: { ...process.env, npm_config_loglevel: 'error' } });

async function project(name: string, tarballs: string[]): Promise<string> {
  const p = path.join(dir, name);
  fs.mkdirSync(p);
  fs.writeFileSync(path.join(p, 'package.json'), JSON.stringify({ name, private: true, type: 'module' }));
  await npm(p, 'install', '--offline', '--no-package-lock', ...tarballs);
  return p;
}

const tarball = (prefix: string) => {
  const f = fs.readdirSync(dir).find((n) => n.startsWith(prefix) && n.endsWith('.tgz'));
  if (!f) throw new Error(`npm pack wrote no ${prefix}*.tgz into ${dir}: ${fs.readdirSync(dir).join(', ')}`);
  return path.join(dir, f);
};

beforeAll(async () => {
  browser = await launchChromium(); // first: a missing chromium fails fast, naming the package
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-sdk-package-'));
  [server] = await Promise.all([
    startStrataServer(),
    // prepack builds the package (scripts/build.mjs --client) from the current sources
    npm(path.join(ROOT, 'packages/client'), 'pack', '--pack-destination', dir),
    npm(dir, 'pack', path.join(ROOT, 'node_modules/ws'), '--ignore-scripts', '--pack-destination', dir),
  ]);
  const client = tarball('strata-client-');
  [plain, withWs] = await Promise.all([project('plain', [client]), project('with-ws', [client, tarball('ws-')])]);
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** A user's script: REST, a typed error, then the socket (send, drop, resume). Prints JSON. */
const SCENARIO = `
import { Strata, StrataError } from '@strata/client';
const [url, aliceToken, bobToken] = process.argv.slice(2);
const out = { websocket: typeof globalThis.WebSocket === 'function' ? 'global' : 'ws package' };
const alice = new Strata({ baseUrl: url, token: aliceToken });
const bob = new Strata({ baseUrl: url, token: async () => bobToken, minBackoffMs: 100, maxBackoffMs: 500 });
const conv = await alice.rest.createConversation({ members: ['bob'], title: 'plain node' });
out.rest = (await alice.rest.send(conv.id, 'over REST', { client_id: 'r-1' })).seq;
out.retried = (await alice.rest.send(conv.id, 'over REST', { client_id: 'r-1' })).seq;
try {
  await bob.rest.history('00000000-0000-4000-8000-000000000000');
} catch (e) {
  out.error = { strataError: e instanceof StrataError, status: e.status, code: e.code };
}
const got = [];
bob.socket.on('message', (m) => got.push(m.seq + ' ' + m.sender + ': ' + m.text));
bob.socket.track(conv.id);
await bob.socket.connect();
out.ack = (await bob.socket.send(conv.id, 'over the socket')).seq;
bob.socket.drop(); // the network fails; alice goes on; bob reconnects and resumes
await alice.rest.send(conv.id, 'while bob was away');
for (const end = Date.now() + 15000; got.length < 3 && Date.now() < end; ) await new Promise((r) => setTimeout(r, 20));
out.got = got;
alice.close();
bob.close();
console.log(JSON.stringify(out));
`;

async function scenario(cwd: string, nodeFlags: string[]) {
  fs.writeFileSync(path.join(cwd, 'scenario.mjs'), SCENARIO);
  const { stdout } = await run(process.execPath, [...nodeFlags, 'scenario.mjs', server.url, await server.token('alice'), await server.token('bob')], { cwd, timeout: 30_000 });
  return JSON.parse(stdout.trim().split('\n').at(-1)!);
}

const expectedRun = (websocket: string) => ({
  websocket,
  rest: 1,
  retried: 1,
  error: { strataError: true, status: 404, code: 'CONVERSATION_NOT_FOUND' },
  ack: 2,
  got: ['1 alice: over REST', '2 bob: over the socket', '3 alice: while bob was away'],
});

/**
 * The page's own server, like a reverse proxy in front of Strata: static files from `root`,
 * and /v1/ (REST and the WebSocket upgrade) passed through to Strata, so the page and the API
 * share one origin.
 */
async function pageServer(root: string, upstream: string) {
  const target = new URL(upstream);
  const types: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8' };
  const srv = http.createServer((req, res) => {
    const { pathname } = new URL(req.url ?? '/', 'http://page');
    if (pathname.startsWith('/v1/')) {
      const up = http.request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      });
      up.on('error', () => res.destroy());
      req.pipe(up);
      return;
    }
    const file = path.join(root, path.normalize(pathname === '/' ? '/index.html' : pathname));
    if (!file.startsWith(root) || !fs.statSync(file, { throwIfNoEntry: false })?.isFile()) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': types[path.extname(file)] ?? 'application/octet-stream' }).end(fs.readFileSync(file));
  });
  const tunnels = new Set<net.Socket>();
  srv.on('upgrade', (req, socket, head) => {
    tunnels.add(socket as net.Socket);
    socket.on('close', () => tunnels.delete(socket as net.Socket));
    const up = net.connect(Number(target.port), target.hostname, () => {
      const headers = req.rawHeaders.map((v, i) => (i % 2 ? `${v}\r\n` : `${v}: `)).join('');
      up.write(`${req.method} ${req.url} HTTP/1.1\r\n${headers}\r\n`);
      up.write(head);
      socket.pipe(up).pipe(socket);
    });
    up.on('error', () => socket.destroy());
    socket.on('error', () => up.destroy());
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(srv.address() as net.AddressInfo).port}`,
    close: () => new Promise((r) => {
      srv.close(r); // waits for open connections: end them (keep-alive, the WebSocket tunnel)
      srv.closeAllConnections();
      for (const t of tunnels) t.destroy();
    }),
  };
}

/** A page as a plain-JavaScript developer writes it: an import map, no bundler. */
const PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>@strata/client in a plain page</title>
  <link rel="icon" href="data:,">
  <script type="importmap">{ "imports": { "@strata/client": "/node_modules/@strata/client/dist/index.js" } }</script>
</head>
<body>
  <p id="state">loading</p>
  <ol id="messages"></ol>
  <script type="module">
    import { Strata } from '@strata/client';
    const token = new URLSearchParams(location.hash.slice(1)).get('token');
    const strata = new Strata({ baseUrl: location.origin, token });
    strata.socket.on('state', (s) => { document.getElementById('state').textContent = s; });
    strata.socket.on('message', (m) => {
      const li = document.createElement('li');
      li.dataset.seq = String(m.seq);
      li.textContent = m.sender + ': ' + m.text;
      document.getElementById('messages').append(li);
    });
    const [conversation] = await strata.rest.listConversations();
    strata.socket.track(conversation.id);
    await strata.socket.connect();
    const sent = await strata.socket.send(conversation.id, 'hello from a plain page');
    document.body.dataset.sent = String(sent.seq);
  </script>
</body>
</html>
`;

describe('@strata/client as an installed package', () => {
  it('npm pack gives compiled ESM + .d.ts that need no server package, and the install pulls in no dependency', () => {
    const pkg = path.join(plain, 'node_modules/@strata/client');
    const files = fs.readdirSync(path.join(pkg, 'dist')).sort();
    expect(files).toEqual(['index.d.ts', 'index.js', 'rest.d.ts', 'rest.js', 'socket.d.ts', 'socket.js', 'types.d.ts', 'types.js']);
    expect(fs.readdirSync(path.join(plain, 'node_modules')).filter((n) => !n.startsWith('.'))).toEqual(['@strata']);
    expect(fs.readdirSync(path.join(plain, 'node_modules/@strata'))).toEqual(['client']);
    const manifest = JSON.parse(fs.readFileSync(path.join(pkg, 'package.json'), 'utf8'));
    expect(manifest.dependencies).toBeUndefined();
    expect(manifest.exports['.']).toEqual({ types: './dist/index.d.ts', import: './dist/index.js' });
    // every import of the compiled code and its declarations stays inside dist/, except the
    // lazy `ws` fallback in socket.js
    for (const f of files) {
      const specifiers = [...fs.readFileSync(path.join(pkg, 'dist', f), 'utf8').matchAll(/(?:from|import)\s*\(?\s*'([^']+)'/g)].map((m) => m[1]);
      const outside = specifiers.filter((s) => !s.startsWith('./'));
      expect(outside, f).toEqual(f === 'socket.js' ? ['ws'] : []);
    }
  });

  it('plain Node, global WebSocket: REST, an idempotent retry, a StrataError, socket send, and resume after a drop', async () => {
    expect(await scenario(plain, WITH_GLOBAL_WEBSOCKET)).toEqual(expectedRun('global'));
  });

  it('plain Node without a global WebSocket, with the optional `ws` peer installed: the same', async () => {
    expect(await scenario(withWs, WITHOUT_GLOBAL_WEBSOCKET)).toEqual(expectedRun('ws package'));
  });

  it('plain Node without a global WebSocket and without `ws`: connect() says what to install', async () => {
    const script = `import { Strata } from '@strata/client';
      const s = new Strata({ baseUrl: process.argv[2], token: 't' });
      await s.socket.connect().then(() => console.log('connected'), (e) => console.log(e.message + ' | state ' + s.socket.state));`;
    const { stdout } = await run(process.execPath, [...WITHOUT_GLOBAL_WEBSOCKET, '--input-type=module', '-e', script, server.url], { cwd: plain, timeout: 30_000 });
    expect(stdout.trim()).toBe('no global WebSocket in this runtime (Node 20): install the `ws` package (npm install ws), or pass the `WebSocket` option | state idle');
  });

  it('Chromium, a plain <script type="module"> with an import map: REST, then the socket sends and shows messages live', async () => {
    const alice = new StrataRest({ baseUrl: server.url, token: await server.token('alice') });
    const conv = await alice.createConversation({ members: ['bob'], title: 'plain page' });
    await alice.send(conv.id, 'before the page opened');
    fs.writeFileSync(path.join(plain, 'index.html'), PAGE);
    const site = await pageServer(plain, server.url);
    try {
      const page = await (await browser.newContext()).newPage();
      const problems = watch(page, site.url);
      await page.goto(`${site.url}/#token=${await server.token('bob')}`);
      await page.locator('body[data-sent="2"]').waitFor({ timeout: 15_000 });
      await alice.send(conv.id, 'live to the page');
      await page.locator('li[data-seq="3"]').waitFor({ timeout: 15_000 });
      expect(await page.locator('#messages li').allTextContents()).toEqual(['alice: before the page opened', 'bob: hello from a plain page', 'alice: live to the page']);
      expect(await page.locator('#state').textContent()).toBe('open');
      expect((await alice.history(conv.id)).messages.map((m) => `${m.seq} ${m.sender}: ${m.text}`)).toEqual(['1 alice: before the page opened', '2 bob: hello from a plain page', '3 alice: live to the page']);
      await screenshot(page, 'sdk-package-page');
      expect(problems).toEqual([]);
    } finally {
      await site.close();
    }
  });
});
