// StreamConsumer.process when the log no longer held a committed batch (stream-consumer.ts
// `reassert`): the handler's `unheld` failing is not the batch failing. A review found that it
// was: the batch went through handle() again (its repaired collisions accepted again, metrics
// counted twice), or — non-retryable — was split and its stored entries dead-lettered. The log
// and the handler are scripted here; the real path is test/integration/persist-pipeline.test.ts.
import { expect, it } from 'vitest';
import { AppError } from '../errors.js';
import type { LogEntry, PersistLog } from '../hot-tier/hot-tier.js';
import { StreamConsumer, type BatchHandler } from './stream-consumer.js';

const entries: LogEntry[] = [1, 2, 3].map((i) => ({ id: `0-${i}`, partition: 0, payload: `{"n":${i}}`, deliveries: 1 }));

function setup(unheldFails: (call: number) => Error | null) {
  const calls = { handle: 0, unheld: 0, deadLetters: 0, errors: [] as string[] };
  // a log that lost the entries after they were read: ack finds none of them
  const log = { partitions: 1, ack: async () => 0, deadLetter: async () => void calls.deadLetters++ } as unknown as PersistLog;
  const handler: BatchHandler = {
    async handle() {
      calls.handle++;
    },
    async unheld() {
      const e = unheldFails(++calls.unheld);
      if (e) throw e;
    },
  };
  const consumer = new StreamConsumer(log, handler, { batch: 10, intervalMs: 5, claimIdleMs: 1000, maxAttempts: 2, onError: (_e, c) => void calls.errors.push(c) });
  return { consumer, calls };
}

it('a retryable unheld failure retries unheld alone; the batch is handled once', async () => {
  const { consumer, calls } = setup((n) => (n < 3 ? new AppError('UNAVAILABLE', 'hot tier down', { retryable: true }) : null));
  await consumer.process(entries, new AbortController().signal);
  expect(calls).toMatchObject({ handle: 1, unheld: 3, deadLetters: 0 });
  expect(calls.errors).toHaveLength(2);
});

it('a non-retryable unheld failure is reported once; nothing is handled again or dead-lettered', async () => {
  const { consumer, calls } = setup(() => new AppError('INTERNAL', 'statement timeout'));
  await consumer.process(entries, new AbortController().signal);
  expect(calls).toMatchObject({ handle: 1, unheld: 1, deadLetters: 0 });
  expect(calls.errors).toHaveLength(1);
});
