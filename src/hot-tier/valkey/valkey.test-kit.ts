// Builds the contract's subject from a Valkey URL: a fresh ValkeyHotTier with a unique key
// prefix per test (isolation on a shared server without FLUSHALL), observed via subscribe().
import { uniqueName } from '../../../test/unique.js';
import type { HotTierUnderTest } from '../hot-tier.contract.js';
import { ValkeyHotTier } from './valkey-hot-tier.js';

export async function valkeyUnderTest(url: string, partitions = 4): Promise<HotTierUnderTest & { tier: ValkeyHotTier }> {
  const tier = await ValkeyHotTier.connect(url, { prefix: uniqueName('ht'), partitions });
  return {
    tier,
    observe: async (conversationId) => {
      const frames: string[] = [];
      const handler = (frame: string) => void frames.push(frame);
      await tier.subscribe(conversationId, handler);
      return { frames, stop: () => tier.unsubscribe(conversationId, handler) };
    },
    dropCursor: async (conversationId) => {
      await tier.client.del(tier.keys.cursor(tier.partitionOf(conversationId), conversationId));
    },
    lose: async (conversationId) => {
      const p = tier.partitionOf(conversationId);
      const k = tier.keys;
      // one slot: one DEL (a Cluster refuses cross-slot DELs; these share the conversation's tag)
      await tier.client.del(k.seq(p, conversationId), k.cursor(p, conversationId), k.ring(p, conversationId), k.changes(p, conversationId), k.restrictions(p, conversationId));
    },
  };
}
