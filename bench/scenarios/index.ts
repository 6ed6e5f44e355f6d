// Scenarios run on the Valkey + PostgreSQL stack after ingest/persist/history, in this order.
import type { Ctx, StackWorld } from '../lib/context.js';

export interface Scenario {
  name: string;
  run(ctx: Ctx, sw: StackWorld): Promise<void>;
}

export const extraScenarios: Scenario[] = [];
