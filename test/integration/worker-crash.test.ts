// kill -9 of a `strata worker` process in the middle of a burst: another worker claims the
// dead one's pending entries, and the warm store ends with exactly every acked message.
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { describe, expect, inject, it } from 'vitest';
import { makeStack } from '../helpers/app.js';
import { SECRET } from '../helpers/app.js';
import { waitFor } from '../services/ports.js';
import { uniqueName } from '../unique.js';

const BIN = path.resolve('bin/strata.js');

function startWorker(env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, [BIN, 'worker'], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr!.on('data', () => {}); // keep the pipe drained
  return child;
}

describe('persist worker crash', () => {
  it('kill -9 of the worker mid-burst, another starts: exactly 20,000 rows, no gap, no duplicate', async () => {
    const prefix = uniqueName('crash');
    const schema = uniqueName('crash');
    const s = await makeStack({ hot: 'valkey', store: 'postgres', workers: false, valkeyPrefix: prefix, pgSchema: schema, config: { recentLimit: 50 } });
    const env = {
      VALKEY_URL: inject('valkeyUrl'), VALKEY_PREFIX: prefix, PARTITIONS: String(s.deps.config.partitions),
      DATABASE_URL: `${inject('databaseUrl')}?options=${encodeURIComponent(`-c search_path=${schema}`)}`,
      AUTH_JWT_SECRET: SECRET, PERSIST_CLAIM_IDLE_MS: '1000', PERSIST_BATCH: '200', LOG_LEVEL: 'warn', NODE_ENV: 'test',
    };
    const workers: ChildProcess[] = [];
    try {
      workers.push(startWorker(env));
      const convs: string[] = [];
      for (let i = 0; i < 20; i++) convs.push((await s.services.conversations.create('alice', { members: ['bob'] })).id);
      let next = 0;
      let acked = 0;
      let killed = false;
      await Promise.all(Array.from({ length: 32 }, async () => {
        while (next < 20_000) {
          const i = next++;
          await s.services.ingest.send('alice', convs[i % 20], { text: `c${i}`, client_id: `c-${i}` });
          acked++;
          if (!killed && acked >= 8000) {
            killed = true;
            workers[0].kill('SIGKILL');
            workers.push(startWorker(env));
          }
        }
      }));
      expect(killed).toBe(true);
      expect(acked).toBe(20_000);
      // every row, not just the highest seq: the dead worker's claimed batch may land after later ones
      await waitFor('20,000 rows', async () => {
        for (const c of convs) if ((await s.deps.store.listMessages(c, { afterSeq: 0, limit: 1000 })).length < 1000) return false;
        return true;
      }, 90_000);
      let total = 0;
      for (const c of convs) {
        const rows = [...(await s.deps.store.listMessages(c, { afterSeq: 0, limit: 1000 })), ...(await s.deps.store.listMessages(c, { afterSeq: 1000, limit: 10 }))];
        expect(rows.map((m) => m.seq)).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));
        expect(new Set(rows.map((m) => m.client_id)).size).toBe(1000);
        total += rows.length;
      }
      expect(total).toBe(20_000);
    } finally {
      for (const w of workers) if (w.exitCode === null) w.kill('SIGKILL');
      await s.close();
    }
  }, 180_000);
});
