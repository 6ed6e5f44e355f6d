// Helpers of hot-tier.contract.ts: the subject's shape, message fixtures, polling.
import { v7 as uuidv7 } from 'uuid';
import { messageTemplate } from '../model/message.js';
import type { HotTier, PersistLog, RateLimiter } from './hot-tier.js';

export type HotBundle = HotTier & RateLimiter & PersistLog;

export interface HotTierUnderTest {
  tier: HotBundle;
  /** Starts collecting the fan-out frames of one conversation; resolves once listening. */
  observe(conversationId: string): Promise<{ frames: string[]; stop(): Promise<void> }>;
  /** Removes the conversation's change cursor, keeping its seq counter (a hot tier from before the change log). */
  dropCursor(conversationId: string): Promise<void>;
  /** Loses everything the hot tier holds of the conversation (a restart without persistence). */
  lose(conversationId: string): Promise<void>;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function eventually(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/** A stored message's JSON (as the warm store would hand it to seed). */
export function stored(conversationId: string, seq: number): string {
  const t = messageTemplate(template(conversationId, `stored ${seq}`));
  return `${t.head}${seq},"version":${seq}${t.tail}`;
}

/** The change (log entry, live frame) of a created message: {"type":"message","cursor":<version>,"message":<json>}. */
export function createdChange(json: string): string {
  return `{"type":"message","cursor":${(JSON.parse(json) as { version: number }).version},"message":${json}}`;
}

/** seq of a message's JSON, or of the message inside a change's JSON. */

export function template(conversationId: string, text: string, clientId: string | null = null) {
  return {
    id: uuidv7(), conversation_id: conversationId, sender: 'alice', text, reply_to: null, thread_id: null, in_timeline: true, mentions: [], metadata: null, attachments: [], client_id: clientId,
    created_at: new Date().toISOString(), edited_at: null, deleted_at: null,
  };
}

export const seqOf = (json: string) => {
  const v = JSON.parse(json) as { seq?: number; message?: { seq: number } };
  return v.seq ?? v.message!.seq;
};
