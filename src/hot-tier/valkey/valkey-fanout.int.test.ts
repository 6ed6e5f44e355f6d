// ValkeyFanout against a real standalone server (test/global-setup.ts) and the shared contract:
// two "nodes" are two hot-tier connections on one fresh key prefix per test, each with its own
// ValkeyFanout (its own subscriber connection), publishing through its hot tier's connection.
import { inject } from 'vitest';
import { uniqueName } from '../../../test/unique.js';
import { fanoutContract } from '../fanout.contract.js';
import { ValkeyFanout } from './valkey-fanout.js';
import { ValkeyHotTier } from './valkey-hot-tier.js';

fanoutContract('valkey standalone', async () => {
  const prefix = uniqueName('fan');
  const [hotA, hotB] = await Promise.all([0, 1].map(() => ValkeyHotTier.connect(inject('valkeyUrl'), { prefix, partitions: 4 })));
  const a = new ValkeyFanout(hotA);
  const b = new ValkeyFanout(hotB);
  return {
    a, b, hot: hotA,
    close: async () => {
      await Promise.all([a.close(), b.close()]);
      await Promise.all([hotA.close(), hotB.close()]);
    },
  };
});
