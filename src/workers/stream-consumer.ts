// Generic at-least-once consumer of the partitioned persist log. Per partition: read a batch
// (whatever is waiting, up to `batch`), hand it to the handler, acknowledge ONLY after the
// handler committed. Guarantees:
// - nothing is acknowledged before it is committed; a crash leaves entries pending and another
//   consumer claims them after `claimIdleMs` (XAUTOCLAIM);
// - a retryable failure (warm store down) retries the same batch with backoff, forever, and
//   dead-letters nothing;
// - a non-retryable failure splits the batch: good entries commit, an entry that keeps failing
//   goes to the dead-letter stream with its error after `maxAttempts`; the log moves on;
// - on abort, the in-flight batch finishes, then (drain) the log is read until empty or the
//   drain deadline passes.
import os from 'node:os';
import { setMaxListeners } from 'node:events';
import { randomBytes } from 'node:crypto';
import type { LogEntry, PersistLog } from '../hot-tier/hot-tier.js';
import { isAppError } from '../errors.js';
import { sleep, type Service } from './service.js';

export interface BatchHandler {
  /** Commits the entries' effect idempotently; throws AppError (retryable or not) on failure. */
  handle(entries: LogEntry[]): Promise<void>;
  /**
   * Committed entries the log no longer held when they were acknowledged: another consumer
   * acknowledged them first (a claimed entry), or the hot tier lost them after they were read
   * (restarted without persistence; its re-seed read the warm store before this commit). The
   * handler re-asserts in the hot tier what the commit implies; it must be idempotent.
   */
  unheld?(entries: LogEntry[]): Promise<void>;
}

export interface ConsumerOptions {
  batch: number;
  intervalMs: number;
  claimIdleMs: number;
  maxAttempts: number;
  drainMs?: number;
  partitions?: number[];
  onError?: (err: unknown, context: string) => void;
  onDeadLetter?: (entry: LogEntry, error: string) => void;
}

export class StreamConsumer implements Service {
  readonly name = 'persist';
  readonly consumer = `${os.hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  private failures = new Map<string, number>();

  constructor(private log: PersistLog, private handler: BatchHandler, private opts: ConsumerOptions) {}

  async run(signal: AbortSignal): Promise<void> {
    const parts = this.opts.partitions ?? Array.from({ length: this.log.partitions }, (_, i) => i);
    setMaxListeners(0, signal); // one sleeping loop per partition listens to the same signal
    await Promise.all(parts.map((p) => this.loop(p, signal)));
  }

  private async loop(partition: number, signal: AbortSignal) {
    let lastClaim = 0;
    let busy = false;
    while (!signal.aborted) {
      try {
        let entries: LogEntry[] = [];
        if (Date.now() - lastClaim > Math.min(this.opts.claimIdleMs, 5000)) {
          lastClaim = Date.now();
          entries = await this.log.claimStale(partition, this.consumer, this.opts.claimIdleMs, this.opts.batch);
        }
        if (entries.length === 0) entries = await this.log.read(partition, this.consumer, this.opts.batch, 0);
        if (entries.length === 0) {
          busy = false;
          await sleep(this.opts.intervalMs, signal);
          continue;
        }
        if (busy && entries.length < this.opts.batch) {
          // Sustained traffic: let the batch fill for one interval rather than commit a few
          // rows per transaction (a lone message after a quiet spell is written at once).
          await sleep(this.opts.intervalMs, signal);
          entries.push(...(await this.log.read(partition, this.consumer, this.opts.batch - entries.length, 0)));
        }
        busy = true;
        await this.process(entries, signal);
      } catch (e) {
        this.opts.onError?.(e, `partition ${partition}`);
        await sleep(500, signal);
      }
    }
    // Drain: whatever is already in the log gets persisted before the process exits.
    const deadline = Date.now() + (this.opts.drainMs ?? 10_000);
    while (Date.now() < deadline) {
      const entries = await this.log.read(partition, this.consumer, this.opts.batch, 0).catch(() => []);
      if (entries.length === 0) break;
      await this.process(entries, AbortSignal.timeout(Math.max(1, deadline - Date.now())));
    }
  }

  /**
   * Commits a batch read from the log, then acknowledges it; retries outages; isolates and
   * dead-letters entries that keep failing.
   */
  async process(entries: LogEntry[], signal: AbortSignal) {
    for (let backoff = 100; ; backoff = Math.min(backoff * 2, 5000)) {
      try {
        await this.handler.handle(entries);
        await this.ack(entries, signal);
        return;
      } catch (e) {
        if (isAppError(e) && e.retryable) {
          this.opts.onError?.(e, 'store unavailable, retrying batch');
          if (signal.aborted) return; // stays pending: claimed again by the next consumer
          await sleep(backoff, signal);
          continue;
        }
        break;
      }
    }
    // A rejected batch: commit entries one by one so one bad entry cannot block the rest.
    for (const entry of entries) {
      for (let backoff = 50; ; backoff = Math.min(backoff * 2, 2000)) {
        try {
          await this.handler.handle([entry]);
          await this.ack([entry], signal);
          break;
        } catch (e) {
          if (isAppError(e) && e.retryable) {
            if (signal.aborted) return;
            await sleep(backoff, signal);
            continue;
          }
          const n = (this.failures.get(entry.id) ?? Math.max(0, entry.deliveries - 1)) + 1;
          this.failures.set(entry.id, n);
          if (n >= this.opts.maxAttempts) {
            const error = e instanceof Error ? e.message : String(e);
            await this.log.deadLetter(entry, error);
            this.failures.delete(entry.id);
            this.opts.onDeadLetter?.(entry, error);
            break;
          }
          if (signal.aborted) return;
          await sleep(backoff, signal);
        }
      }
    }
  }

  private async ack(entries: LogEntry[], signal: AbortSignal) {
    const byPartition = new Map<number, LogEntry[]>();
    for (const e of entries) {
      const list = byPartition.get(e.partition) ?? [];
      list.push(e);
      byPartition.set(e.partition, list);
      this.failures.delete(e.id);
    }
    for (const [p, list] of byPartition) {
      const held = await this.log.ack(p, list.map((e) => e.id));
      if (held < list.length) await this.reassert(list, signal);
    }
  }

  /**
   * handler.unheld for entries already committed and acknowledged: its failure is not the
   * batch's (the batch is stored: applying it again would accept its repaired collisions again,
   * and a dead letter would call a stored entry lost). Retried with backoff while it is
   * retryable and the consumer runs, at most 5 times; otherwise reported and left.
   */
  private async reassert(entries: LogEntry[], signal: AbortSignal) {
    if (!this.handler.unheld) return;
    for (let attempt = 1, backoff = 100; ; attempt++, backoff = Math.min(backoff * 2, 2000)) {
      try {
        await this.handler.unheld(entries);
        return;
      } catch (e) {
        this.opts.onError?.(e, `re-asserting ${entries.length} committed entries the log no longer held (attempt ${attempt})`);
        if (attempt >= 5 || signal.aborted || !(isAppError(e) && e.retryable)) return;
        await sleep(backoff, signal);
      }
    }
  }
}
