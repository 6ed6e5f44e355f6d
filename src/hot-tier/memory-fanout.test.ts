// MemoryFanout against the shared contract: two instances over one MemoryHotTier's emitter
// play the two nodes (the embedded engine has one, but nothing in the adapter assumes it).
import { fanoutContract } from './fanout.contract.js';
import { MemoryFanout } from './memory-fanout.js';
import { MemoryHotTier } from './memory-hot-tier.js';

fanoutContract('memory', async () => {
  const hot = new MemoryHotTier(4);
  const a = new MemoryFanout(hot.events);
  const b = new MemoryFanout(hot.events);
  return {
    a, b, hot,
    close: async () => {
      await Promise.all([a.close(), b.close()]);
      await hot.close();
    },
  };
});
