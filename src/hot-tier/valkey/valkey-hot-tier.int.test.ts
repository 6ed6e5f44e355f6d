// The Valkey hot tier against a real standalone server (test/global-setup.ts starts one per
// run): the shared contract, then what only this adapter has (URL parsing, error mapping,
// recovery of a lost consumer group).
import { describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { Redis } from 'ioredis';
import { v7 as uuidv7 } from 'uuid';
import { messageTemplate } from '../../model/message.js';
import { uniqueName } from '../../../test/unique.js';
import { freePort } from '../../../test/services/ports.js';
import { startRedis } from '../../../test/services/redis.js';
import { hotTierContract } from '../hot-tier.contract.js';
import { parseHotTierUrl } from './connection.js';
import { eventually } from '../hot-tier.test-kit.js';
import { valkeyUnderTest } from './valkey.test-kit.js';
import { ValkeyHotTier } from './valkey-hot-tier.js';

hotTierContract('valkey standalone', () => valkeyUnderTest(inject('valkeyUrl')));

describe('ValkeyHotTier (standalone specifics)', () => {
  it('parses standalone and cluster URLs', () => {
    expect(parseHotTierUrl('redis://127.0.0.1:6379/0')).toEqual({ kind: 'standalone', url: 'redis://127.0.0.1:6379/0' });
    expect(parseHotTierUrl('redis+cluster://u:p%40ss@h1:7000,h2:7001')).toEqual({
      kind: 'cluster', nodes: [{ host: 'h1', port: 7000 }, { host: 'h2', port: 7001 }], username: 'u', password: 'p@ss', tls: false,
    });
    expect(parseHotTierUrl('rediss+cluster://h1:7000')).toMatchObject({ kind: 'cluster', tls: true });
    expect(() => parseHotTierUrl('http://h1')).toThrow(/redis:\/\//);
    expect(() => parseHotTierUrl('redis+cluster://h1:notaport')).toThrow(/bad cluster node/);
    expect(() => new ValkeyHotTier('redis://127.0.0.1:1', { prefix: 'a{b}', partitions: 2 })).toThrow(/prefix/);
  });

  it('fails with a retryable UNAVAILABLE when the server is unreachable or the tier closed', async () => {
    const port = await freePort(); // nothing listens there
    await expect(ValkeyHotTier.connect(`redis://127.0.0.1:${port}`, { partitions: 2, readyTimeoutMs: 500 }))
      .rejects.toMatchObject({ name: 'AppError', code: 'UNAVAILABLE', retryable: true });
    const { tier } = await valkeyUnderTest(inject('valkeyUrl'));
    await tier.close();
    await expect(tier.lastSeqs(['x'])).rejects.toMatchObject({ code: 'UNAVAILABLE', retryable: true });
  });

  it('keeps every key under its prefix with the partition tag, and recreates a lost consumer group', async () => {
    const prefix = uniqueName('ht');
    const tier = await ValkeyHotTier.connect(inject('valkeyUrl'), { prefix, partitions: 4 });
    const raw = new Redis(inject('valkeyUrl'));
    try {
      const c = uuidv7();
      const p = tier.partitionOf(c);
      await tier.seed(c, 0, [], 500);
      const t = messageTemplate({ id: uuidv7(), conversation_id: c, sender: 'a', text: 'x', reply_to: null, thread_id: null, in_timeline: true, mentions: [], metadata: null, attachments: [], client_id: 'k', created_at: new Date().toISOString(), edited_at: null, deleted_at: null });
      const ingest = () => tier.ingest({ conversationId: c, head: t.head, tail: t.tail, clientKey: 'a\nk', dedupTtlS: 60, recentLimit: 10, changeRingLimit: 10, maxBacklog: 100 });
      expect(await ingest()).toMatchObject({ status: 'created', seq: 1 });
      const keys = (await raw.keys(`${prefix}:*`)).sort();
      expect(keys.filter((k) => k.includes(c)).every((k) => k.startsWith(`${prefix}:{p${p}}:c:${c}:`))).toBe(true);
      expect(keys).toContain(`${prefix}:{p${p}}:log`);
      expect(await raw.ttl(tier.keys.dedup(p, c, 'a\nk'))).toBeGreaterThan(0);
      // hot data lost: the stream and its group vanish; the next read recreates the group
      await raw.del(tier.keys.log(p));
      expect(await tier.read(p, 'w1', 10, 0)).toEqual([]);
      expect(await tier.claimStale(p, 'w1', 0, 10)).toEqual([]);
      expect(await ingest()).toMatchObject({ status: 'duplicate' });
      await raw.del(tier.keys.dedup(p, c, 'a\nk'));
      expect(await ingest()).toMatchObject({ status: 'created', seq: 2 });
      expect((await tier.read(p, 'w1', 10, 0)).length).toBe(1);
    } finally {
      const leftovers = await raw.keys(`${prefix}:*`);
      if (leftovers.length) await raw.del(...leftovers);
      raw.disconnect();
      await tier.close();
    }
  });

  it('a ring that outlived its counter (eviction) raises the re-seeded counter: seq never repeats', async () => {
    const { tier } = await valkeyUnderTest(inject('valkeyUrl'));
    const raw = new Redis(inject('valkeyUrl'));
    try {
      const c = uuidv7();
      const p = tier.partitionOf(c);
      await tier.seed(c, 0, [], 500);
      const jsons: string[] = [];
      for (let i = 0; i < 5; i++) {
        const t = messageTemplate({ id: uuidv7(), conversation_id: c, sender: 'a', text: `m${i}`, reply_to: null, thread_id: null, in_timeline: true, mentions: [], metadata: null, attachments: [], client_id: null, created_at: new Date().toISOString(), edited_at: null, deleted_at: null });
        const r = await tier.ingest({ conversationId: c, head: t.head, tail: t.tail, dedupTtlS: 60, recentLimit: 500, changeRingLimit: 10, maxBacklog: 100 });
        if (r.status === 'created') jsons.push(r.json);
      }
      await raw.del(tier.keys.seq(p, c));
      // the warm store has persisted only up to seq 3 so far
      expect(await tier.seed(c, 3, jsons.slice(0, 3), 500)).toEqual({ seq: 5, created: true });
      expect((await tier.readRecent(c, { limit: 5 }))?.messages).toEqual(jsons);
    } finally {
      raw.disconnect();
      await tier.close();
    }
  });

  it('close() ends a blocked read with no entries', async () => {
    // A server of its own, so that its blocked_clients count is this read's alone.
    const server = await startRedis();
    const { tier } = await valkeyUnderTest(server.url);
    const raw = new Redis(server.url);
    try {
      const reading = tier.read(0, 'w1', 10, 30_000);
      await eventually('the read is blocked on the server', async () => /blocked_clients:1\b/.test(await raw.info('clients')));
      await tier.close();
      expect(await reading).toEqual([]);
    } finally {
      raw.disconnect();
      await server.stop();
    }
  });
});
