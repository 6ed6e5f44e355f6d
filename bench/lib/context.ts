// What every scenario receives: run options, the results to add to, the services, and per
// stack its synthetic world (users, conversations) with the seq each conversation is at.
import type { Results } from './report.js';
import type { Stack, World } from './stack.js';

export interface Ctx {
  quick: boolean;
  seed: number;
  res: Results;
  redisUrl: string;
  pgUrl: string;
  /** Scale a count/duration for --quick. */
  q<T>(full: T, quick: T): T;
  /** Figures scenarios share (e.g. the max WS ingest rate the latency scenario runs at half of). */
  shared: Record<string, any>;
}

export interface StackWorld {
  stack: Stack;
  world: World;
  /** Highest acked seq per conversation so far (every conversation starts at 0). */
  lastSeq: Map<string, number>;
  label: string;
}
