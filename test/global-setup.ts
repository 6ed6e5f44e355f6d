// Starts the real servers the suite needs, once per run, and hands their URLs to tests via
// vitest's provide/inject. TEST_DATABASE_URL / TEST_VALKEY_URL point at existing servers
// instead. A server that cannot start FAILS the run: nothing is skipped silently.
// vitest.config.ts runs this once for the whole run; the unit tier alone needs no server, so
// `npm run test:unit` starts none (a unit test calling inject() then gets undefined).
import type { TestProject } from 'vitest/node';
import { startPostgres, type PostgresServer } from './services/postgres.js';
import { startRedis, type RedisServer } from './services/redis.js';

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
    valkeyUrl: string;
  }
}

let pg: PostgresServer | undefined;
let redis: RedisServer | undefined;

/** Tiers that run without any server (vitest.config.ts). */
const SERVERLESS = new Set(['unit', 'containers']);

export async function setup(project: TestProject) {
  if (project.vitest.projects.every((p) => SERVERLESS.has(p.name))) return;
  const [dbUrl, valkeyUrl] = await Promise.all([
    process.env.TEST_DATABASE_URL ?? startPostgres().then((s) => ((pg = s), s.url)),
    process.env.TEST_VALKEY_URL ?? startRedis().then((s) => ((redis = s), s.url)),
  ]);
  project.provide('databaseUrl', dbUrl);
  project.provide('valkeyUrl', valkeyUrl);
}

export async function teardown() {
  pg?.stop();
  await redis?.stop();
}
