// A long-running piece of a process (persist worker, archiver, …). run() resolves after the
// signal aborts and the service has drained what it had in hand.
export interface Service {
  readonly name: string;
  run(signal: AbortSignal): Promise<void>;
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
