// Three tiers, each runnable alone (`npm run test:unit`, `test:integration`, `test:e2e`);
// `npm test` runs all three. A fourth, containers (test/containers/: the Dockerfile and the
// compose deployment built and run with podman), runs only by name: `npm run test:containers`.
// - unit: `*.test.ts` beside the code and test/*.test.ts — memory adapters, SQLite in memory,
//   app.inject(); no server.
// - integration: `*.int.test.ts` beside the adapters, test/integration/ and test/api/ — real
//   Valkey/Redis, PostgreSQL, S3 (Swift), an in-process stack.
// - e2e: test/e2e/ — API nodes, workers and CLIs as real processes.
// The global setup runs once per run (not once per project) and starts Valkey and PostgreSQL
// only when a tier that uses them was selected.
import { configDefaults, defineConfig } from 'vitest/config';

const shared = { testTimeout: 60_000, hookTimeout: 120_000, pool: 'forks' as const };

export default defineConfig({
  test: {
    ...shared,
    // Two cores: more workers only thrash, and the e2e tests run servers of their own. (A
    // run-wide setting: it bounds the forks of all projects together.)
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    globalSetup: ['test/global-setup.ts'],
    reporters: ['default'],
    // Projects do not extend this config: each would run the global setup again.
    projects: [
      {
        test: {
          ...shared,
          name: 'unit',
          include: ['src/**/*.test.ts', 'test/*.test.ts'],
          exclude: [...configDefaults.exclude, 'src/**/*.int.test.ts'],
        },
      },
      {
        test: {
          ...shared,
          name: 'integration',
          include: ['src/**/*.int.test.ts', 'test/integration/**/*.test.ts', 'test/api/**/*.test.ts'],
        },
      },
      {
        test: {
          ...shared,
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
        },
      },
      {
        // The chaos drills (real processes, faults injected, each bounded and printing its
        // counts): `npm run test:drills`, run once by .ci/run after `npm test`.
        test: {
          ...shared,
          name: 'drills',
          include: ['test/drills/**/*.test.ts'],
          // one drill at a time: each starts its own cluster and injects its own faults; five of
          // them at once on two cores measured each other's load (drill 5 counted one duplicate
          // in two loaded runs and none alone)
          poolOptions: { forks: { singleFork: true } },
        },
      },
      {
        // Not in `npm test` (test/run.js names the three above): `npm run test:containers`.
        test: {
          ...shared,
          name: 'containers',
          include: ['test/containers/**/*.test.ts'],
        },
      },
    ],
  },
});
