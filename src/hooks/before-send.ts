// The before-send hook (docs/hooks.md): with BEFORE_SEND_URL set, every send is POSTed there
// before the hot tier sees it — after membership, thread, mention and metadata checks, so the
// hook only judges valid messages — and the hook answers one decision:
//   {"action":"accept"}                                   stored as sent
//   {"action":"reject","reason":"…"}                      422 SEND_REJECTED (WS: an error frame), nothing stored
//   {"action":"rewrite","text":"…","metadata":{…}|null}   stored with the new text and/or metadata
// A timeout (BEFORE_SEND_TIMEOUT_MS), a network error, a non-2xx status or an answer that is not
// one of these is a failure: BEFORE_SEND_ON_FAILURE=reject (the default: fail closed) answers
// 503 HOOK_UNAVAILABLE, `accept` lets the message through as sent. Latency and outcome are the
// metric strata_before_send_seconds. A retry of a send (same client_id) asks the hook again
// (the hot tier decides it is a duplicate only after), and gets the original whatever it says.
import { AppError } from '../errors.js';
import type { Config } from '../config.js';
import type { Metrics } from '../http/metrics.js';

export interface HookMessage {
  conversation_id: string;
  sender: string;
  text: string;
  reply_to: string | null;
  thread_id: string | null;
  mentions: string[];
  metadata: Record<string, unknown> | null;
  client_id: string | null;
}

export type BeforeSend = (m: HookMessage) => Promise<{ text: string; metadata: Record<string, unknown> | null }>;

export function beforeSendHook(config: Pick<Config, 'beforeSendUrl' | 'beforeSendTimeoutMs' | 'beforeSendFailure' | 'maxTextChars' | 'maxMetadataBytes'>, metrics: Pick<Metrics, 'beforeSendSeconds'>): BeforeSend | undefined {
  const url = config.beforeSendUrl;
  if (!url) return undefined;
  return async (m) => {
    const started = performance.now();
    const done = (outcome: string) => metrics.beforeSendSeconds.observe({ outcome }, (performance.now() - started) / 1000);
    let decision: unknown;
    try {
      const res = await fetch(url, {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ type: 'before_send', message: m }),
        signal: AbortSignal.timeout(config.beforeSendTimeoutMs),
      });
      if (!res.ok) throw new Error(`answered ${res.status}`);
      decision = await res.json();
    } catch (e) {
      return failed(`${(e as Error).name === 'TimeoutError' ? `timed out after ${config.beforeSendTimeoutMs} ms` : (e as Error).message}`);
    }
    const d = decision as { action?: unknown; reason?: unknown; text?: unknown; metadata?: unknown };
    switch (d?.action) {
      case 'accept':
        done('accept');
        return { text: m.text, metadata: m.metadata };
      case 'reject':
        done('reject');
        throw new AppError('SEND_REJECTED', typeof d.reason === 'string' && d.reason ? d.reason.slice(0, 500) : 'rejected by the before-send hook');
      case 'rewrite': {
        const text = d.text === undefined ? m.text : d.text;
        const metadata = d.metadata === undefined ? m.metadata : d.metadata;
        const textOk = typeof text === 'string' && text.length >= 1 && text.length <= config.maxTextChars;
        const metadataOk = metadata === null || (typeof metadata === 'object' && !Array.isArray(metadata) && Buffer.byteLength(JSON.stringify(metadata)) <= config.maxMetadataBytes);
        if (!textOk || !metadataOk) return failed('rewrote to an invalid text or metadata');
        done('rewrite');
        return { text, metadata: metadata as Record<string, unknown> | null };
      }
      default:
        return failed(`answered no decision (${JSON.stringify(decision)?.slice(0, 100)})`);
    }

    function failed(why: string) {
      done('failure');
      if (config.beforeSendFailure === 'accept') return { text: m.text, metadata: m.metadata };
      throw new AppError('HOOK_UNAVAILABLE', `before-send hook ${why}`, { retryable: true, retryAfterS: 1 });
    }
  };
}
