// Chooses the gateway's adapters to match the hot tier and warm store already chosen: the
// in-process fan-out and presence with the memory engine, Valkey ones with Valkey; receipts and
// reactions over the warm store's Kysely instance.
import { MemoryFanout } from '../hot-tier/memory-fanout.js';
import { MemoryHotTier } from '../hot-tier/memory-hot-tier.js';
import type { HotTier } from '../hot-tier/hot-tier.js';
import { MemoryPresence } from '../hot-tier/memory-presence.js';
import { SqlReceipts } from '../store/sql/sql-receipts.js';
import type { SqlStore } from '../store/sql/sql-store.js';
import type { Realtime } from '../ws/gateway.js';

export async function createRealtime(hot: HotTier, store: SqlStore): Promise<Realtime> {
  const receipts = new SqlReceipts(store.db, store.dialect);
  if (hot instanceof MemoryHotTier) {
    return { fanout: new MemoryFanout(hot.events), presence: new MemoryPresence(), receipts, close: async () => {} };
  }
  const { ValkeyHotTier } = await import('../hot-tier/valkey/valkey-hot-tier.js');
  if (!(hot instanceof ValkeyHotTier)) throw new Error('the gateway needs the memory or the Valkey hot tier');
  const { ValkeyFanout } = await import('../hot-tier/valkey/valkey-fanout.js');
  const { ValkeyPresence } = await import('../hot-tier/valkey/valkey-presence.js');
  const fanout = new ValkeyFanout(hot);
  return { fanout, presence: new ValkeyPresence(hot.client, hot.keys.prefix), receipts, close: () => fanout.close() };
}
