// Scenarios run on the Valkey + PostgreSQL stack after ingest/persist/history, in this order
// (changes and sync: scenarios/changes.ts)
// (connections runs first of all, on the fresh process: see run.ts).
import type { Ctx, StackWorld } from '../lib/context.js';
import { ingestScenario } from './ingest.js';
import { fanoutScenario } from './fanout.js';
import { latencyScenario } from './latency.js';
import { archiveScenario } from './archive.js';
import { changesScenario, syncScenario } from './changes.js';
import { gatewayAvailable } from '../lib/gateway.js';
import { searchScenario } from './search.js';
import { integrationsScenario } from './integrations.js';
import { peersScenario } from './peers.js';
import { moderationScenario } from './moderation.js';

export interface Scenario {
  name: string;
  run(ctx: Ctx, sw: StackWorld): Promise<void>;
}

export const extraScenarios: Scenario[] = [
  {
    name: 'ingest',
    async run(ctx, sw) {
      const missing = await gatewayAvailable(sw.stack, sw.world.users[0].token);
      if (missing) return void ctx.res.skipped.push({ scenario: 'ingest', reason: `strata ${sw.label} WS: ${missing}` });
      await ingestScenario(ctx, sw, 'ws');
    },
  },
  { name: 'fan-out', run: fanoutScenario },
  // issue #16 §2: the message path beside a Socket.IO + Redis adapter peer and a bare ws relay
  { name: 'peers', run: peersScenario },
  { name: 'latency', run: latencyScenario },
  { name: 'changes', run: changesScenario },
  { name: 'sync', run: syncScenario },
  { name: 'archive', run: archiveScenario },
  { name: 'search', run: searchScenario },
  { name: 'integrations', run: integrationsScenario },
  { name: 'moderation', run: moderationScenario },
];
