// The ONE way the API waits for the warm store to catch up with the hot tier. Three callers:
// ACK_AFTER=store (the ack waits for the message's row), an edit of a message that is still in
// flight (its row is milliseconds away), and a history page below the recent ring while the
// rows of that range are still on their way (a page never has holes).
//
// Nobody waits for something the hot tier does not say is coming: callers wait only for seqs
// the hot tier assigned (or ids it reports in flight), and always with a deadline.
// Wake-ups: the persist workers of THIS process announce every committed batch on
// `deps.persisted` ('committed', conversationId), so with the default in-process workers a
// waiter re-checks the moment its row lands. Rows committed by workers of other processes are
// seen by re-checking on a backoff (5 ms, doubling to 100 ms) until the deadline.
import type { EventEmitter } from 'node:events';

export const COMMITTED = 'committed';

export class PersistWait {
  constructor(private readonly persisted?: EventEmitter) {}

  /**
   * Resolves true as soon as check() is true, false at the deadline. check() runs once now,
   * then after each commit of the conversation this process sees and on the backoff.
   */
  async until(conversationId: string, check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    if (await check()) return true;
    let wake: (() => void) | undefined;
    const onCommit = (c: string) => {
      if (c === conversationId) wake?.();
    };
    this.persisted?.on(COMMITTED, onCommit);
    try {
      for (let delay = 5; Date.now() < deadline; delay = Math.min(delay * 2, 100)) {
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, Math.min(delay, Math.max(0, deadline - Date.now())));
          wake = () => {
            clearTimeout(t);
            resolve();
          };
        });
        wake = undefined;
        if (await check()) return true;
      }
      return false;
    } finally {
      this.persisted?.off(COMMITTED, onCommit);
    }
  }
}

/** For the persist handler: tells this process's waiters which conversations just committed. */
export function announceCommitted(persisted: EventEmitter | undefined, conversationIds: Iterable<string>): void {
  if (!persisted) return;
  for (const c of new Set(conversationIds)) persisted.emit(COMMITTED, c);
}
