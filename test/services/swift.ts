// A throwaway S3 API: OpenStack Swift (proxy + object/container/account servers, one device,
// rings of one replica) with the s3api and tempauth middlewares, and memcached for the proxy's
// cache — all on free loopback ports, all state in one temp dir (see shared/notes/s3-on-swift.md).
// Credentials: access key `test:tester`, secret `testing`, region us-east-1, path-style.
// Installs nothing: missing binaries fail with the Debian packages to install. stop() kills only
// the PIDs it started and removes the directory.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { which } from './binaries.js';
import { freePort, waitFor } from './ports.js';

export interface SwiftServer {
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
  stop(): Promise<void>;
}

const PACKAGES = 'swift swift-proxy swift-object swift-container swift-account python3-swift memcached';
const KINDS = ['object', 'container', 'account'] as const;

function bin(name: string): string {
  const found = which(name);
  if (!found) throw new Error(`${name} not found: the S3 tests need OpenStack Swift (Debian/Ubuntu: apt-get install ${PACKAGES})`);
  return found;
}

function conf(lines: Record<string, Record<string, string | number>>): string {
  return Object.entries(lines).map(([section, kv]) => `[${section}]\n${Object.entries(kv).map(([k, v]) => `${k} = ${v}`).join('\n')}\n`).join('\n');
}

export async function startSwift(): Promise<SwiftServer> {
  const bins = {
    proxy: bin('swift-proxy-server'), ring: bin('swift-ring-builder'), memcached: bin('memcached'),
    object: bin('swift-object-server'), container: bin('swift-container-server'), account: bin('swift-account-server'),
  };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-swift-'));
  const devices = path.join(dir, 'devices');
  fs.mkdirSync(path.join(devices, 'd1'), { recursive: true });
  const user = os.userInfo().username; // servers "drop" to the user we already are: no chown needed
  const common = { swift_dir: dir, user, workers: 0, log_level: 'WARNING', bind_ip: '127.0.0.1' };
  fs.writeFileSync(path.join(dir, 'swift.conf'), conf({
    'swift-hash': { swift_hash_path_suffix: 'strata-test', swift_hash_path_prefix: 'strata-test' },
    'storage-policy:0': { name: 'gold', default: 'yes' },
  }));
  const ports = { proxy: await freePort(), memcached: await freePort(), object: await freePort(), container: await freePort(), account: await freePort() };
  const children: ChildProcess[] = [];
  const launch = (cmd: string, args: string[]) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], cwd: dir });
    let err = '';
    child.stderr!.on('data', (d: Buffer) => { err = (err + d.toString()).slice(-4000); });
    child.on('exit', (code) => { if (code && !stopping) process.stderr.write(`swift: ${path.basename(cmd)} exited ${code}: ${err}\n`); });
    children.push(child);
  };
  let stopping = false;
  // If the test process dies without stop(), its servers must not outlive it.
  const killAll = () => children.forEach((c) => c.exitCode === null && c.kill('SIGKILL'));
  process.once('exit', killAll);
  const stop = async () => {
    stopping = true;
    process.off('exit', killAll);
    await Promise.all(children.map((c) => (c.exitCode === null && c.signalCode === null
      ? new Promise((r) => { c.once('exit', r); c.kill('SIGKILL'); }) : undefined)));
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (const kind of KINDS) {
      const builder = path.join(dir, `${kind}.builder`);
      for (const args of [['create', '10', '1', '1'], ['add', `r1z1-127.0.0.1:${ports[kind]}/d1`, '100'], ['rebalance']]) {
        const r = spawnSync(bins.ring, [builder, ...args], { encoding: 'utf8' });
        if (r.status !== 0 && !(args[0] === 'rebalance' && r.status === 1)) throw new Error(`swift-ring-builder ${args.join(' ')}: ${r.stderr || r.stdout}`);
      }
      const file = path.join(dir, `${kind}-server.conf`);
      fs.writeFileSync(file, conf({
        DEFAULT: { ...common, bind_port: ports[kind], devices, mount_check: 'false' },
        'pipeline:main': { pipeline: `${kind}-server` },
        [`app:${kind}-server`]: { use: `egg:swift#${kind}` },
      }));
      launch(bins[kind], [file]);
    }
    launch(bins.memcached, ['-l', '127.0.0.1', '-p', String(ports.memcached), '-U', '0', ...(process.getuid?.() === 0 ? ['-u', 'root'] : [])]);
    const proxyConf = path.join(dir, 'proxy-server.conf');
    fs.writeFileSync(proxyConf, conf({
      DEFAULT: { ...common, bind_port: ports.proxy },
      'pipeline:main': { pipeline: 'catch_errors gatekeeper healthcheck proxy-logging cache listing_formats s3api tempauth copy slo dlo proxy-logging proxy-server' },
      'app:proxy-server': { use: 'egg:swift#proxy', account_autocreate: 'true' },
      'filter:tempauth': { use: 'egg:swift#tempauth', user_test_tester: 'testing .admin' },
      'filter:s3api': { use: 'egg:swift#s3api', location: 'us-east-1' },
      'filter:cache': { use: 'egg:swift#memcache', memcache_servers: `127.0.0.1:${ports.memcached}` },
      ...Object.fromEntries(['catch_errors', 'gatekeeper', 'healthcheck', 'proxy-logging', 'listing_formats', 'copy', 'slo', 'dlo']
        .map((f) => [`filter:${f}`, { use: `egg:swift#${f.replace('-', '_')}` }])),
    }));
    launch(bins.proxy, [proxyConf]);
    const endpoint = `http://127.0.0.1:${ports.proxy}`;
    await waitFor('swift proxy', async () => (await fetch(`${endpoint}/info`)).ok, 60_000);
    for (const kind of KINDS) {
      await waitFor(`swift ${kind} server`, async () => (await fetch(`http://127.0.0.1:${ports[kind]}/recon/version`).catch(() => null)) !== null, 60_000);
    }
    return { endpoint, accessKeyId: 'test:tester', secretAccessKey: 'testing', region: 'us-east-1', stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
