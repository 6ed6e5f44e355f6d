// ACK_AFTER=store: the ack waits for the warm-store commit, on both hot tiers.
import { describe, expect, it } from 'vitest';
import { makeStack } from '../helpers/app.js';

describe.each(['memory', 'valkey'] as const)('ACK_AFTER=store on the %s hot tier', (hot) => {
  it('acks only after the row is in the warm store (and a duplicate too)', async () => {
    const s = await makeStack({ hot, store: hot === 'valkey' ? 'postgres' : 'sqlite', config: { ackAfter: 'store', persistIntervalMs: 30 } });
    try {
      const conv = (await s.services.conversations.create('alice', { members: ['bob'] })).id;
      for (let i = 0; i < 10; i++) {
        const ack = await s.services.ingest.send('alice', conv, { text: `s${i}`, client_id: `k${i}` });
        expect(await s.deps.store.getMessageBySeq(conv, ack.message.seq)).toEqual(ack.message);
      }
      const dup = await s.services.ingest.send('alice', conv, { text: 's9', client_id: 'k9' });
      expect(dup.created).toBe(false);
      expect(dup.message.seq).toBe(10);
    } finally {
      await s.close();
    }
  });
});
