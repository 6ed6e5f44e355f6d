#!/usr/bin/env node
// `npm test`: makes sure the servers the suite runs against are installed, builds dist/, then
// runs vitest.
// Missing binaries are installed with apt-get when we are root on Debian/Ubuntu; otherwise the
// run stops with the list of packages to install. TEST_VALKEY_URL / TEST_DATABASE_URL point
// the suite at existing servers instead of throwaway ones.
import { execSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';

const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
const pgInstalled = () => fs.existsSync('/usr/lib/postgresql') && fs.readdirSync('/usr/lib/postgresql').some((v) => fs.existsSync(`/usr/lib/postgresql/${v}/bin/initdb`));

const needs = [
  { pkg: 'redis-server', ok: () => !!process.env.TEST_VALKEY_URL || has('redis-server') || has('valkey-server') },
  { pkg: 'postgresql', ok: () => !!process.env.TEST_DATABASE_URL || pgInstalled() },
  // OpenStack Swift with s3api: the real S3 API the archive's S3 adapter is tested against.
  { pkg: 'swift swift-proxy swift-object swift-container swift-account python3-swift memcached', ok: () => has('swift-proxy-server') && has('memcached') },
  // Debian's Chromium, driven by playwright-core in test/e2e/browser.test.ts.
  { pkg: 'chromium', ok: () => fs.existsSync('/usr/bin/chromium') },
];

// No `--project`: the three tiers of `npm test`. The containers tier (podman, test/containers/)
// runs only when named (`npm run test:containers`, by .ci/run) and needs none of these servers.
const args = process.argv.slice(2);
const named = args.flatMap((a, i) => (a === '--project' ? [args[i + 1]] : a.startsWith('--project=') ? [a.slice(10)] : []));
const vitestArgs = named.length ? args : ['--project', 'unit', '--project', 'integration', '--project', 'e2e', ...args];
const containersOnly = named.length > 0 && named.every((p) => p === 'containers');

const missing = containersOnly ? [] : needs.filter((n) => !n.ok()).map((n) => n.pkg);
if (missing.length) {
  const pkgs = missing.join(' ');
  const root = process.getuid?.() === 0;
  if (root && has('apt-get')) {
    console.log(`[test] installing missing servers: ${pkgs}`);
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    execSync('apt-get update -qq', { stdio: 'inherit', env });
    execSync(`apt-get install -y -qq --no-install-recommends ${pkgs}`, { stdio: 'inherit', env });
  } else {
    console.error(`[test] missing: ${pkgs}\n[test] install them (Debian/Ubuntu: sudo apt-get install ${pkgs}) or set TEST_VALKEY_URL / TEST_DATABASE_URL`);
    process.exit(1);
  }
}

// The e2e tests run bin/strata.js, i.e. the compiled dist/: build it from the current sources.
// (The containers tier builds its own, in the image.)
const build = containersOnly ? { status: 0 } : spawnSync('npm', ['run', 'build'], { stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);

const r = spawnSync('npx', ['vitest', 'run', ...vitestArgs], { stdio: 'inherit' });
process.exit(r.status ?? 1);
