// One HTTP attempt at a webhook: POST, never following a redirect, bounded by a timeout that
// covers the answer's body too. Success is a 2xx; anything else (another status, a timeout, a
// refused or reset connection) is a failed attempt the deliverer retries.
import { performance } from 'node:perf_hooks';

export interface SendResult {
  ok: boolean;
  /** Null when no answer came. */
  status: number | null;
  error: string | null;
  latencyMs: number;
}

/** Most of an answer's body read (and dropped) so the connection can be reused; beyond it, the body is cut. */
const MAX_ANSWER_BYTES = 64 * 1024;

export type Send = (url: string, headers: Record<string, string>, body: string, timeoutMs: number) => Promise<SendResult>;

export const httpSend: Send = async (url, headers, body, timeoutMs) => {
  const t0 = performance.now();
  const latency = () => Math.round(performance.now() - t0);
  try {
    const res = await fetch(url, { method: 'POST', headers, body, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
    const ok = res.status >= 200 && res.status < 300;
    const status = res.status;
    const ms = latency();
    await drain(res);
    return { ok, status, error: ok ? null : `answered ${status}`, latencyMs: ms };
  } catch (e) {
    const err = e as Error & { cause?: { code?: string; message?: string } };
    const error = err.name === 'TimeoutError' || err.name === 'AbortError'
      ? `no answer within ${timeoutMs} ms`
      : `${err.cause?.code ?? err.name}: ${err.cause?.message ?? err.message}`;
    return { ok: false, status: null, error: error.slice(0, 500), latencyMs: latency() };
  }
};

async function drain(res: Response): Promise<void> {
  if (!res.body) return;
  let n = 0;
  try {
    for await (const chunk of res.body) {
      n += (chunk as Uint8Array).byteLength;
      if (n > MAX_ANSWER_BYTES) break; // leaving the loop cancels the rest
    }
  } catch {
    // the answer's status is what counts; a body cut short or timed out changes nothing
  }
}
