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
  };
});
