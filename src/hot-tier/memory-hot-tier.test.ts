// The in-process hot tier against the shared contract.
import { hotTierContract } from './hot-tier.contract.js';
import { MemoryHotTier } from './memory-hot-tier.js';

hotTierContract('memory', async () => {
  const tier = new MemoryHotTier(4);
  return {
    tier,
    observe: async (conversationId) => {
      const frames: string[] = [];
      const handler = (frame: string) => frames.push(frame);
      tier.events.on(conversationId, handler);
      return { frames, stop: async () => void tier.events.off(conversationId, handler) };
    },
    // what a hot tier seeded before the change log holds: a seq counter, no cursor (test-only reach into the adapter)
    dropCursor: async (conversationId) => {
      const conv = (tier as unknown as { convs: Map<string, { cursor?: number }> }).convs.get(conversationId);
      if (conv) conv.cursor = undefined;
    },
    lose: async (conversationId) => {
      (tier as unknown as { convs: Map<string, unknown> }).convs.delete(conversationId);
    },
  };
});

import { describe, expect, it } from 'vitest';

describe('memory hot tier: bounded memory', () => {
  it('sweeps expired dedup keys and rate windows', async () => {
    const tier = new MemoryHotTier(2);
    const conv = '0190a0b4-0000-7000-8000-0000000000aa';
    await tier.seed(conv, 0, [], 10);
    for (let i = 0; i < 5; i++) {
      await tier.ingest({ conversationId: conv, head: `{"id":"x${i}","conversation_id":"${conv}","seq":`, tail: '}', clientKey: `u\nk${i}`, dedupTtlS: 60, recentLimit: 10, changeRingLimit: 10, maxBacklog: 100 });
      await tier.hit(`user${i}`, 10, 1);
    }
    expect(tier.sizes).toEqual({ dedup: 5, windows: 5 });
    tier.sweep(Date.now() + 2_000); // windows (1 s) expired, dedup (60 s) not yet
    expect(tier.sizes).toEqual({ dedup: 5, windows: 0 });
    tier.sweep(Date.now() + 61_000);
    expect(tier.sizes).toEqual({ dedup: 0, windows: 0 });
    await tier.close();
  });
});
