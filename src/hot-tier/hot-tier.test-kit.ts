// Helpers of hot-tier.contract.ts: the subject's shape, message fixtures, polling.
import { v7 as uuidv7 } from 'uuid';
import { messageTemplate } from '../model/message.js';
import type { HotTier, PersistLog, RateLimiter } from './hot-tier.js';

export type HotBundle = HotTier & RateLimiter & PersistLog;

export interface HotTierUnderTest {
  tier: HotBundle;
  /** Starts collecting the fan-out frames of one conversation; resolves once listening. */
  observe(conversationId: string): Promise<{ frames: string[]; stop(): Promise<void> }>;
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
  return t.head + seq + t.tail;
}

export function template(conversationId: string, text: string, clientId: string | null = null) {
  return {
    id: uuidv7(), conversation_id: conversationId, sender: 'alice', text, reply_to: null, client_id: clientId,
    created_at: new Date().toISOString(), edited_at: null, deleted_at: null,
  };
}

export const seqOf = (json: string) => (JSON.parse(json) as { seq: number }).seq;
