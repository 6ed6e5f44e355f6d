// ValkeyPresence against a real standalone server (test/global-setup.ts) and the shared
// contract, on a fresh key prefix per test. Entry expiry is judged by the zset scores, which are
// client times (Date.now() of the calling node), so the contract's fake clock drives it; the
// keys' server-side PEXPIRE only collects garbage and, with the contract's one-minute TTLs,
// never fires during a test.
import { inject } from 'vitest';
import { uniqueName } from '../../../test/unique.js';
import { presenceContract } from '../presence.contract.js';
import { ValkeyHotTier } from './valkey-hot-tier.js';
import { ValkeyPresence } from './valkey-presence.js';

presenceContract('valkey standalone', async () => {
  const hot = await ValkeyHotTier.connect(inject('valkeyUrl'), { prefix: uniqueName('pres'), partitions: 1 });
  return { presence: new ValkeyPresence(hot), close: () => hot.close() };
});
