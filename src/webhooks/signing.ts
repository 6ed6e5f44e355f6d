// What a webhook request is, byte for byte (docs/webhooks.md): the Standard Webhooks headers
// (https://www.standardwebhooks.com) and the body, an envelope around the change's JSON exactly
// as the change log holds it. Everything here is a pure function of the change (and the
// secrets and the time of the attempt), so every node, and every retry after a kill -9, sends
// the same webhook-id and body for one change.
import { createHmac, randomBytes } from 'node:crypto';

export const SECRET_PREFIX = 'whsec_';

/** A fresh secret: `whsec_` + base64 of 32 random bytes. */
export function newSecret(): string {
  return SECRET_PREFIX + randomBytes(32).toString('base64');
}

/** The key of a `whsec_<base64>` secret of 24 to 64 bytes; null when it is not one. */
export function secretKey(secret: string): Buffer | null {
  if (!secret.startsWith(SECRET_PREFIX)) return null;
  const b64 = secret.slice(SECRET_PREFIX.length);
  if (b64.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) return null;
  const key = Buffer.from(b64, 'base64');
  return key.length >= 24 && key.length <= 64 ? key : null;
}

/** `webhook-id`: one per change (conversation and cursor), the same on every attempt and every endpoint. */
export function webhookId(conversationId: string, cursor: number): string {
  return `msg_${conversationId}_${cursor}`;
}

/**
 * The request body: `{"type","timestamp","conversation_id","cursor","data"}` where `data` is
 * the change JSON verbatim and `timestamp` the time the warm store recorded it.
 */
export function webhookBody(change: { type: string; cursor: number; json: string; stored_at: string }, conversationId: string): string {
  return `{"type":${JSON.stringify(change.type)},"timestamp":${JSON.stringify(change.stored_at)},"conversation_id":${JSON.stringify(conversationId)},"cursor":${change.cursor},"data":${change.json}}`;
}

/** `v1,<base64 HMAC-SHA256 of "id.timestamp.body">` for each secret, space-separated (rotation: old and new). */
export function signatureHeader(secrets: string[], id: string, timestampS: number, body: string): string {
  return secrets.map((s) => {
    const key = secretKey(s);
    if (!key) throw new Error('invalid webhook secret');
    return `v1,${createHmac('sha256', key).update(`${id}.${timestampS}.${body}`).digest('base64')}`;
  }).join(' ');
}

/** The headers of one attempt. */
export function webhookHeaders(secrets: string[], id: string, timestampS: number, body: string): Record<string, string> {
  return {
    'content-type': 'application/json',
    'user-agent': 'Strata-Webhooks/1',
    'webhook-id': id,
    'webhook-timestamp': String(timestampS),
    'webhook-signature': signatureHeader(secrets, id, timestampS, body),
  };
}
