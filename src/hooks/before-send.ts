// The before-send hook (docs/hooks.md): with BEFORE_SEND_URL set, every send is POSTed there
// before the hot tier sees it — after membership, thread, mention and metadata checks, so the
// hook only judges valid messages — and the hook answers one decision:
//   {"action":"accept"}                                   stored as sent
//   {"action":"reject","reason":"…"}                      422 SEND_REJECTED (WS: an error frame), nothing stored
//   {"action":"rewrite","text":"…","metadata":{…}|null}   stored with the new text and/or metadata
// A timeout (BEFORE_SEND_TIMEOUT_MS), a network error, a non-2xx status or an answer that is not
// one of these is a failure: BEFORE_SEND_ON_FAILURE=reject (the default: fail closed) answers
// 503 HOOK_UNAVAILABLE, `accept` lets the message through as sent. Latency and outcome are the
// metric strata_before_send_seconds. A retry of a send (same client_id) the hot tier still
// remembers gets its original without asking the hook (messages/ingest.ts); one whose dedup
// entry the hot tier lost asks again and, if accepted, still gets the original.
// What a rewrite returns enters every tier, so it is checked like a send: text of 1 to
// MAX_TEXT_CHARS code points, metadata a JSON object within MAX_METADATA_BYTES, and no string
// that is not well-formed UTF-16 or holds a NUL (model/text.ts). The answer is read up to a
// bound (HOOK_ANSWER_MAX_BYTES); a longer one is a failure.
import { AppError } from '../errors.js';
import { badString, findBadString } from '../model/text.js';
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

/** The most of a hook's answer that is read: a rewrite at the limits fits many times over. */
export const HOOK_ANSWER_MAX_BYTES = 1 << 20;

/** Reads at most `max` bytes of the body; null when it is longer. */
async function boundedText(res: Response, max: number): Promise<string | null> {
  if (!res.body) return '';
  const chunks: Uint8Array[] = [];
  let n = 0;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    n += chunk.length;
    if (n > max) return null;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** The reason a sender is shown: at most 500 code points, and never a string no tier or frame could carry. */
function reasonOf(reason: unknown): string {
  if (typeof reason !== 'string' || !reason || badString(reason) !== undefined) return 'rejected by the before-send hook';
  return Array.from(reason).slice(0, 500).join('');
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
      const answer = await boundedText(res, HOOK_ANSWER_MAX_BYTES);
      if (answer === null) throw new Error(`answered more than ${HOOK_ANSWER_MAX_BYTES} bytes`);
      decision = JSON.parse(answer);
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
        throw new AppError('SEND_REJECTED', reasonOf(d.reason));
      case 'rewrite': {
        const text = d.text === undefined ? m.text : d.text;
        const metadata = d.metadata === undefined ? m.metadata : d.metadata;
        // code points, as the send schema counts them
        const chars = typeof text === 'string' ? Array.from(text).length : 0;
        const textOk = typeof text === 'string' && chars >= 1 && chars <= config.maxTextChars && badString(text) === undefined;
        const metadataOk = metadata === null || (typeof metadata === 'object' && !Array.isArray(metadata)
          && Buffer.byteLength(JSON.stringify(metadata)) <= config.maxMetadataBytes && findBadString(metadata) === undefined);
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
