// The containers tier (`npm run test:containers`, run by .ci/run; not part of `npm test`): the
// repository's Dockerfile built for real with podman and run the two documented ways.
// - the image: non-root, HEALTHCHECK on /readyz, STOPSIGNAL SIGTERM, no dev dependencies;
// - one container on embedded defaults (`docker run -v …:/data -e AUTH_JWT_SECRET=…`): refuses
//   to start in production without the secret, serves with it, exits 0 on `podman stop` and
//   keeps its data in the volume;
// - the compose deployment (test/containers/compose.test.yaml: compose.yaml's shape with
//   stand-in images, see its header): messages sent through BOTH API containers while the
//   worker and then an API container are killed (SIGKILL) and started again; every acked
//   message is in PostgreSQL exactly once and on the history pages of the other API node; a
//   WebSocket through the load balancer gets another node's message; `podman stop` drains the
//   worker and an API node (exit 0).
// Everything it needs is installed or built when missing (test/containers/podman.ts). Podman
// that cannot run a container FAILS the tier; nothing is skipped. Every wait is bounded.
// Teardown removes the stack, its network and volumes, the test's containers and the images
// this run built, except the stand-ins and the `deps` stage (dependencies compiled: the cache
// that makes the next run fast).
import { randomBytes, randomUUID } from 'node:crypto';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { mintToken } from '../../src/auth/tokens.js';
import { StrataRest } from '../../src/sdk/index.js';
import type { Message } from '../../src/sdk/types.js';
import { eventually } from '../helpers/eventually.js';
import { freePort } from '../services/ports.js';
import { BASE_IMAGE, LOG_DIR, NODE_IMAGE, podman, preparePodman, ROOT, run, STANDIN } from './podman.js';

const PROJECT = 'strata-containers-test';
const IMAGE = 'localhost/strata:containers-test';
/** The Dockerfile's `deps` stage, kept between runs as the build cache. */
const DEPS_CACHE = 'localhost/strata-containers-test-cache:deps';
const COMPOSE_FILE = path.join(ROOT, 'test/containers/compose.test.yaml');
const SINGLE = `${PROJECT}-single`;
const SINGLE_VOLUME = `${PROJECT}-single-data`;
const SECRET = `containers-test-${randomBytes(24).toString('hex')}`;
const name = (service: string) => `${PROJECT}_${service}_1`;

const started = performance.now();
const elapsed = () => ((performance.now() - started) / 1000).toFixed(0);
const say = (s: string) => console.log(`[containers +${elapsed()} s] ${s}`);
const secs = (t0: number) => `${((performance.now() - t0) / 1000).toFixed(1)} s`;

let imagesBefore = new Set<string>();
let depsBefore: string[] = [];
let ports: { lb: number; api1: number; api2: number; single: number };
let composeEnv: NodeJS.ProcessEnv;
const anonymousVolumes = new Set<string>();

const compose = (args: string[], timeoutMs = 120_000) =>
  run('podman-compose', ['-p', PROJECT, '-f', COMPOSE_FILE, ...args], { timeoutMs, env: composeEnv, log: 'compose.log' });

async function imageIds(): Promise<Set<string>> {
  const r = await podman(['images', '--all', '--quiet', '--no-trunc']);
  return new Set(r.stdout.split('\n').map((l) => l.trim().replace(/^sha256:/, '')).filter(Boolean));
}

async function imageId(ref: string): Promise<string> {
  const r = await podman(['image', 'inspect', '--format', '{{.Id}}', ref], { allowFail: true });
  return r.code === 0 ? r.stdout.trim() : '';
}

/** The image and its ancestors still in the store: the layer cache a build looks up step by step. */
async function chain(ref: string): Promise<string[]> {
  const ids: string[] = [];
  for (let id = await imageId(ref); id && !ids.includes(id); ) {
    ids.push(id);
    const r = await podman(['image', 'inspect', '--format', '{{.Parent}}', id], { allowFail: true });
    id = r.code === 0 ? r.stdout.trim().replace(/^sha256:/, '') : '';
  }
  return ids;
}

/** Runs the container's health check once (podman has no scheduler for it without systemd). */
async function healthy(container: string, timeoutMs: number): Promise<void> {
  await eventually(`${container} to pass its health check`, async () => (await podman(['healthcheck', 'run', container], { allowFail: true, timeoutMs: 15_000 })).code === 0, { timeoutMs, intervalMs: 500 });
}

async function ready(url: string, timeoutMs = 60_000): Promise<void> {
  await eventually(`${url}/readyz to answer 200`, async () => (await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2_000) })).ok, { timeoutMs, intervalMs: 250 });
}

/** `podman stop` (SIGTERM, SIGKILL after 30 s): how long it took and the exit code. */
async function stop(container: string): Promise<{ seconds: number; exitCode: number }> {
  const t0 = performance.now();
  await podman(['stop', '-t', '30', container], { timeoutMs: 60_000 });
  const seconds = (performance.now() - t0) / 1000;
  const exitCode = Number((await podman(['inspect', '--format', '{{.State.ExitCode}}', container])).stdout.trim());
  return { seconds, exitCode };
}

async function rememberAnonymousVolumes(containers: string[]): Promise<void> {
  for (const c of containers) {
    const r = await podman(['inspect', '--format', '{{range .Mounts}}{{.Name}} {{end}}', c], { allowFail: true });
    for (const v of r.stdout.split(/\s+/)) if (/^[0-9a-f]{64}$/.test(v)) anonymousVolumes.add(v);
  }
}

async function projectContainers(): Promise<string[]> {
  const r = await podman(['ps', '--all', '--quiet', '--filter', `label=io.podman.compose.project=${PROJECT}`], { allowFail: true });
  return r.stdout.split('\n').filter(Boolean);
}

beforeAll(async () => {
  say('preparing podman, the base image and the stand-ins (installed/built only when missing)');
  await preparePodman(say);
  await teardown(); // leftovers of an interrupted run
  imagesBefore = await imageIds();
  depsBefore = await chain(DEPS_CACHE);

  let t0 = performance.now();
  await podman(['build', '--pull=never', '--format', 'docker', '--target', 'deps', '-t', DEPS_CACHE, '.'], { timeoutMs: 1_800_000, log: 'build.log' });
  say(`built the Dockerfile's deps stage (${DEPS_CACHE}) in ${secs(t0)}`);
  t0 = performance.now();
  await podman(['build', '--pull=never', '--format', 'docker', '-t', IMAGE, '.'], { timeoutMs: 1_200_000, log: 'build.log' });
  say(`built ${IMAGE} in ${secs(t0)} (build log: ${path.join(LOG_DIR, 'build.log')})`);

  const free = new Set<number>();
  while (free.size < 4) free.add(await freePort()); // freePort may hand out a port twice
  const [lb, api1, api2, single] = [...free];
  ports = { lb, api1, api2, single };
  composeEnv = { ...process.env, STRATA_IMAGE: IMAGE, AUTH_JWT_SECRET: SECRET, LB_PORT: String(ports.lb), API1_PORT: String(ports.api1), API2_PORT: String(ports.api2) };
}, 45 * 60_000);

async function teardown(): Promise<void> {
  const containers = [...(await projectContainers()), SINGLE];
  await rememberAnonymousVolumes(containers);
  if (composeEnv) await compose(['down', '-v', '-t', '10'], 180_000).catch((e) => say(`compose down: ${(e as Error).message}`));
  // What compose down leaves: containers it did not know, anonymous /data volumes, the network.
  for (const c of [...(await projectContainers()), SINGLE]) await podman(['rm', '--force', '--volumes', '--time', '5', c], { allowFail: true });
  for (const v of anonymousVolumes) await podman(['volume', 'rm', '--force', v], { allowFail: true });
  const labelled = await podman(['volume', 'ls', '--quiet', '--filter', `label=io.podman.compose.project=${PROJECT}`], { allowFail: true });
  for (const v of [...labelled.stdout.split('\n').filter(Boolean), SINGLE_VOLUME]) await podman(['volume', 'rm', '--force', v], { allowFail: true });
  await podman(['network', 'rm', '--force', `${PROJECT}_default`], { allowFail: true });
}

afterAll(async () => {
  const t0 = performance.now();
  await teardown();
  // Images this run built, except the deps stage and its ancestors (the build cache, looked up
  // step by step, so the whole chain is kept) and the stand-ins; plus the previous deps chain
  // if this run replaced it (the manifests changed).
  const keep = new Set([...(await chain(DEPS_CACHE)), ...(await chain(NODE_IMAGE)), await imageId(BASE_IMAGE), ...(await Promise.all(Object.values(STANDIN).map(imageId)))]);
  const created = [...new Set([...(await imageIds())].filter((id) => !imagesBefore.has(id)).concat(depsBefore))].filter((id) => !keep.has(id));
  for (let pass = 0; pass < 3 && created.length; pass++) {
    for (const id of [...created]) {
      const r = await podman(['rmi', id], { allowFail: true });
      if (r.code === 0 || /image not known/i.test(r.stderr)) created.splice(created.indexOf(id), 1);
    }
  }
  say(`teardown in ${secs(t0)}${created.length ? ` (${created.length} image(s) still used, left: ${created.join(' ')})` : ''}`);
  say(`containers tier done in ${elapsed()} s`);
}, 10 * 60_000);

describe('the Strata image', () => {
  it('runs as a non-root user, checks /readyz, stops on SIGTERM, holds no dev dependencies', async () => {
    const inspect = JSON.parse((await podman(['image', 'inspect', IMAGE])).stdout)[0];
    const size = Number(inspect.Size);
    const base = Number(JSON.parse((await podman(['image', 'inspect', NODE_IMAGE])).stdout)[0].Size);
    say(`image size: ${(size / 1e6).toFixed(0)} MB (${((size - base) / 1e6).toFixed(0)} MB over its base ${NODE_IMAGE}${(await imageLabelled(NODE_IMAGE)) ? ', here a stand-in of ' + (base / 1e6).toFixed(0) + ' MB' : ''})`);
    const config = inspect.Config;
    expect(config.User).toBe('node');
    expect(config.StopSignal).toMatch(/^(SIGTERM|15)$/);
    expect(config.Cmd).toEqual(['node', 'bin/strata.js', 'start']);
    expect(Object.keys(config.ExposedPorts ?? {})).toEqual(['8080/tcp']);
    expect(Object.keys(config.Volumes ?? {})).toEqual(['/data']);
    expect(config.Env).toEqual(expect.arrayContaining(['NODE_ENV=production', 'HOST=0.0.0.0', 'DATA_DIR=/data']));
    expect((inspect.Healthcheck ?? config.Healthcheck)?.Test?.join(' ')).toMatch(/^CMD node -e .*\/readyz/);

    const probe = await podman(['run', '--rm', '--pull=never', '--network=none', IMAGE, 'sh', '-c',
      'id -u; test ! -e node_modules/typescript && test ! -e node_modules/vitest && test ! -e src && test -f dist/main/cli.js && echo lean; touch dist/x 2>/dev/null || echo code-read-only; node bin/strata.js help | head -1'], { timeoutMs: 60_000 });
    expect(probe.stdout.trim().split('\n')).toEqual(['1000', 'lean', 'code-read-only', expect.stringMatching(/^strata — /)]);
  }, 120_000);
});

async function imageLabelled(ref: string): Promise<boolean> {
  const r = await podman(['image', 'inspect', '--format', '{{index .Labels "strata.standin.recipe"}}', ref], { allowFail: true });
  return r.code === 0 && !!r.stdout.trim() && r.stdout.trim() !== '<no value>';
}

describe('one container on the embedded defaults (a volume on /data)', () => {
  it('refuses to start in production without AUTH_JWT_SECRET', async () => {
    const r = await podman(['run', '--rm', '--pull=never', '--network=none', IMAGE], { allowFail: true, timeoutMs: 60_000 });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/AUTH_JWT_SECRET or AUTH_JWKS_URL is required when NODE_ENV=production/);
  }, 90_000);

  it('serves with the secret, exits 0 on podman stop, and finds its messages again after a restart', async () => {
    const url = `http://127.0.0.1:${ports.single}`;
    await podman(['run', '-d', '--pull=never', '--name', SINGLE, '-p', `127.0.0.1:${ports.single}:8080`, '-v', `${SINGLE_VOLUME}:/data`, '-e', `AUTH_JWT_SECRET=${SECRET}`, IMAGE]);
    let t0 = performance.now();
    await ready(url);
    say(`single container ready in ${secs(t0)}`);
    await healthy(SINGLE, 30_000);
    // The README's way to a token: the CLI inside the container, with the container's secret.
    const token = (await podman(['exec', SINGLE, 'node', 'bin/strata.js', 'token', 'alice'])).stdout.trim();
    const alice = new StrataRest({ baseUrl: url, token });
    const conv = await alice.createConversation({ members: ['bob'] });
    const sent = await alice.send(conv.id, 'kept in the volume');

    const stopped = await stop(SINGLE);
    say(`podman stop of the single container: ${stopped.seconds.toFixed(1)} s, exit ${stopped.exitCode}`);
    expect(stopped.exitCode).toBe(0);
    expect(stopped.seconds).toBeLessThan(25);

    t0 = performance.now();
    await podman(['start', SINGLE]);
    await ready(url);
    say(`single container restarted and ready in ${secs(t0)}`);
    const page = await alice.history(conv.id);
    expect(page.messages.map((m) => [m.id, m.seq, m.text])).toEqual([[sent.id, 1, 'kept in the volume']]);
    const files = await podman(['exec', SINGLE, 'ls', '/data']);
    expect(files.stdout.split('\n')).toContain('strata.db');
  }, 180_000);
});

describe('the compose deployment (2 API replicas, a worker, Valkey, PostgreSQL, the load balancer)', () => {
  const acked: { message: Message; via: string }[] = [];
  let conv: string;
  let api1: StrataRest;
  let api2: StrataRest;
  let lb: StrataRest;
  let bobToken: string;

  let retried = 0;
  /** A send as a client does it: a gateway error (the balancer's pooled connection to a killed
   *  replica dies with the POST in flight: 502) is retried with the same client_id, which makes
   *  the retry idempotent: it is acked once and stored once. */
  async function send(client: StrataRest, via: string, text: string) {
    const clientId = randomUUID();
    for (let attempt = 1; ; attempt++) {
      try {
        const message = await client.send(conv, text, { client_id: clientId });
        acked.push({ message, via });
        return message;
      } catch (e) {
        const status = (e as { status?: number }).status;
        if (attempt === 5 || (status !== undefined && ![502, 503, 504].includes(status))) throw e;
        retried++;
        await new Promise((r) => setTimeout(r, 200 * attempt));
      }
    }
  }

  /** n sends, alternating between the given clients, `parallel` at a time; `during(acked)` runs
   *  after each ack, one call after the other, while the sends go on. */
  async function burst(clients: [StrataRest, string][], n: number, label: string, parallel = 4, during?: (acked: number) => Promise<void>) {
    let next = 0;
    let done = 0;
    let hooks = Promise.resolve();
    const lanes = Array.from({ length: parallel }, async () => {
      for (let i = next++; i < n; i = next++) {
        const [client, via] = clients[i % clients.length];
        await send(client, via, `${label} #${i}`);
        const count = ++done;
        if (during) hooks = hooks.then(() => during(count));
      }
    });
    await Promise.all(lanes);
    await hooks;
  }

  it('starts health-gated: Valkey and PostgreSQL healthy first, then the API replicas, the worker and the load balancer', async () => {
    let t0 = performance.now();
    await compose(['up', '-d', 'valkey', 'postgres']);
    await healthy(name('valkey'), 60_000);
    await healthy(name('postgres'), 90_000);
    say(`valkey and postgres healthy in ${secs(t0)}`);
    t0 = performance.now();
    await compose(['up', '-d']); // the running two are left as they are
    await healthy(name('api-1'), 90_000);
    await healthy(name('api-2'), 90_000);
    await ready(`http://127.0.0.1:${ports.lb}`, 30_000);
    say(`API replicas healthy and the load balancer answering in ${secs(t0)}`);
    const services = ['api-1', 'api-2', 'lb', 'postgres', 'valkey', 'worker'];
    const state = await podman(['inspect', '--format', '{{.Name}} {{.State.Status}}', ...services.map(name)]);
    expect(state.stdout.trim().split('\n')).toEqual(services.map((s) => `${name(s)} running`));
  }, 300_000);

  it('stores every acked message exactly once across a killed worker and a killed API container, readable through the other node', async () => {
    const alice = await mintToken(SECRET, 'alice');
    bobToken = await mintToken(SECRET, 'bob');
    api1 = new StrataRest({ baseUrl: `http://127.0.0.1:${ports.api1}`, token: alice });
    api2 = new StrataRest({ baseUrl: `http://127.0.0.1:${ports.api2}`, token: alice });
    lb = new StrataRest({ baseUrl: `http://127.0.0.1:${ports.lb}`, token: alice });
    conv = (await api1.createConversation({ members: ['bob'], title: 'containers' })).id;

    const psql = async (q: string) => (await podman(['exec', name('postgres'), 'psql', '-U', 'strata', '-d', 'strata', '-At', '-F', ' ', '-c', q])).stdout.trim();
    const storedCount = async () => Number(await psql(`select count(*) from messages where conversation_id = '${conv}'`));

    // 1. Both nodes, the worker persisting; it is killed (SIGKILL) right after the 45th ack, with
    //    its last batch possibly read but not acknowledged; 45 more sends while it is dead wait in
    //    the persist log (the API replicas run no workers), then it is started again: the new
    //    worker persists the backlog and claims what its predecessor left pending.
    let t0 = performance.now();
    await burst([[api1, 'api-1'], [api2, 'api-2']], 45, 'phase 1a', 4);
    await podman(['kill', name('worker')]);
    await burst([[api1, 'api-1'], [api2, 'api-2']], 45, 'phase 1b', 4);
    expect(await storedCount()).toBeLessThanOrEqual(45);
    await podman(['start', name('worker')]);
    say(`phase 1: 90 sends through api-1 and api-2, the worker killed after 45 and started again after 90, in ${secs(t0)}`);

    // 2. api-1 killed: api-2 and the load balancer go on; api-1 comes back and serves again.
    t0 = performance.now();
    await podman(['kill', name('api-1')]);
    await burst([[api2, 'api-2'], [lb, 'lb']], 30, 'phase 2', 2);
    await podman(['start', name('api-1')]);
    await healthy(name('api-1'), 60_000);
    await burst([[api1, 'api-1'], [api2, 'api-2'], [lb, 'lb']], 30, 'phase 3', 3);
    say(`phases 2-3: api-1 killed, 30 sends via api-2 and the load balancer, api-1 restarted, 30 more, in ${secs(t0)} (${retried} send(s) retried with their client_id)`);
    expect(acked).toHaveLength(150);

    // Every acked message in PostgreSQL, once (the persist log drains into the warm store).
    t0 = performance.now();
    await eventually('all 150 acked messages in PostgreSQL', async () => (await storedCount()) >= 150, { timeoutMs: 60_000, intervalMs: 500 });
    say(`all acked messages persisted ${secs(t0)} after the last ack`);
    const [rows, ids, seqs, minSeq, maxSeq] = (await psql(`select count(*), count(distinct id), count(distinct seq), min(seq), max(seq) from messages where conversation_id = '${conv}'`)).split(' ').map(Number);
    expect({ rows, ids, seqs, minSeq, maxSeq }).toEqual({ rows: 150, ids: 150, seqs: 150, minSeq: 1, maxSeq: 150 });
    const stored = new Map((await psql(`select id, seq from messages where conversation_id = '${conv}'`)).split('\n').map((l) => l.split(' ')).map(([id, seq]) => [id, Number(seq)]));
    for (const { message } of acked) expect(stored.get(message.id)).toBe(message.seq);

    // The history pages of each node show the messages acked by the other, once, in seq order.
    const expected = [...acked].sort((a, b) => a.message.seq - b.message.seq).map(({ message }) => [message.id, message.seq, message.text]);
    for (const client of [api1, api2]) {
      const seen: Message[] = [];
      for (let page = await client.history(conv, { after: 0, limit: 200 }); ; page = await client.history(conv, { after: seen[seen.length - 1].seq, limit: 200 })) {
        seen.push(...page.messages);
        if (!page.has_more || page.messages.length === 0) break;
      }
      expect(seen.map((m) => [m.id, m.seq, m.text])).toEqual(expected);
    }
    expect(new Set(acked.map((a) => a.via))).toEqual(new Set(['api-1', 'api-2', 'lb']));
  }, 300_000);

  it('passes WebSockets through the load balancer: a message sent to api-2 reaches a socket the balancer placed', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${ports.lb}/v1/ws?access_token=${bobToken}`);
    const frames: { type: string; message?: Message }[] = [];
    ws.on('message', (d) => frames.push(JSON.parse(String(d))));
    try {
      await eventually('the ready frame through the load balancer', () => frames.some((f) => f.type === 'ready'), { timeoutMs: 15_000 });
      const m = await api2.send(conv, 'live through the balancer', { client_id: randomUUID() });
      const got = await eventually('the message frame', () => frames.find((f) => f.type === 'message' && f.message?.id === m.id), { timeoutMs: 15_000 });
      expect(got.message?.seq).toBe(m.seq);
    } finally {
      ws.close();
    }
  }, 60_000);

  it('drains on SIGTERM: podman stop ends the worker and an API node with exit 0, well before SIGKILL', async () => {
    const worker = await stop(name('worker'));
    const api = await stop(name('api-2'));
    say(`podman stop: worker ${worker.seconds.toFixed(1)} s (exit ${worker.exitCode}), api-2 ${api.seconds.toFixed(1)} s (exit ${api.exitCode})`);
    expect(worker).toEqual({ seconds: expect.any(Number), exitCode: 0 });
    expect(api).toEqual({ seconds: expect.any(Number), exitCode: 0 });
    expect(worker.seconds).toBeLessThan(25);
    expect(api.seconds).toBeLessThan(25);
    expect((await podman(['logs', name('worker')])).stdout).toMatch(/"msg":"worker stopped"/);
    await expect(fetch(`http://127.0.0.1:${ports.lb}/readyz`).then((r) => r.ok)).resolves.toBe(true); // api-1 still serves
  }, 120_000);
});
