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
import http from 'node:http';
import https from 'node:https';
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

const agents = { 'http:': new http.Agent({ keepAlive: true, maxSockets: 256 }), 'https:': new https.Agent({ keepAlive: true, maxSockets: 256 }) };

/**
 * POSTs the JSON and resolves with the answer's body (at most `max` bytes) once it is complete.
 * node:http with keep-alive connections, not fetch: fetch spent ~3.5× the CPU per call here
 * (471–675 vs 123–194 µs per call with a local 1 ms hook, /tmp microbench in the #13 note) and
 * refuses ports on its "bad port" list.
 */
function postJson(url: string, body: string, timeoutMs: number, max: number): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const u = new URL(url);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return reject(new Error(`unsupported scheme ${u.protocol}`));
    const payload = Buffer.from(body, 'utf8');
    const mod = u.protocol === 'https:' ? https : http;
    const timer = setTimeout(() => {
      const e = new Error(`timed out after ${timeoutMs} ms`);
      e.name = 'TimeoutError';
      req.destroy(e);
    }, timeoutMs);
    const fail = (e: Error) => {
      clearTimeout(timer);
      reject(e);
    };
    const req = mod.request(u, { method: 'POST', agent: agents[u.protocol], headers: { 'content-type': 'application/json', 'content-length': String(payload.length) } }, (res) => {
      const status = res.statusCode ?? 0;
      if (status < 200 || status >= 300) {
        res.resume();
        return fail(new Error(`answered ${status}`));
      }
      const chunks: Buffer[] = [];
      let n = 0;
      res.on('data', (c: Buffer) => {
        n += c.length;
        if (n > max) req.destroy(new Error(`answered more than ${max} bytes`));
        else chunks.push(c);
      });
      res.on('end', () => {
        clearTimeout(timer);
        resolve(Buffer.concat(chunks).toString('utf8'));
      });
      res.on('error', fail);
    });
    req.on('error', fail);
    req.end(payload);
  });
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
      const answer = await postJson(url, JSON.stringify({ type: 'before_send', message: m }), config.beforeSendTimeoutMs, HOOK_ANSWER_MAX_BYTES);
      decision = JSON.parse(answer);
    } catch (e) {
      return failed((e as Error).message);
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
