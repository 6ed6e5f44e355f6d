// Polling a positive condition with a bound: the replacement for "sleep, then assert". The
// probe runs until it returns a truthy value (which is returned) or the deadline passes (the
// error names what was awaited and the probe's last error). Never use it to prove that
// something did NOT happen: wait for a later event that would have come after it instead.
export async function eventually<T>(
  what: string,
  probe: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  { timeoutMs = 15_000, intervalMs = 20 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v) return v;
    } catch (e) {
      last = e; // not there yet: keep polling until the deadline
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `; last error: ${(last as Error).message}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
