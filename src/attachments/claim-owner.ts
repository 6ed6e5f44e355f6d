// Which stored message a claimed upload belongs to, if any. A claim names the message its send
// meant to store; when that message does not exist, an attempt of the same send (same claim
// key, `user\nclient_id`) may have stored it under its own id: the message the warm store holds
// for that client_id, if it names the upload. Used by the sweep (settle a stale claim) and by
// downloads (a claim is served only once its message exists).
import type { Deps } from '../deps.js';
import type { Upload } from '../store/upload-store.js';

export type OwnerDeps = Pick<Deps, 'store' | 'hot' | 'archive'>;

export async function claimOwner(deps: OwnerDeps, u: Pick<Upload, 'id' | 'conversation_id' | 'message_id' | 'claim_key'>): Promise<string | null> {
  if (u.message_id !== null && (await messageExists(deps, u.conversation_id, u.message_id))) return u.message_id;
  if (u.claim_key === null) return null;
  const cut = u.claim_key.indexOf('\n');
  if (cut < 0) return null;
  const m = await deps.store.findByClientId(u.conversation_id, u.claim_key.slice(0, cut), u.claim_key.slice(cut + 1));
  return m && m.attachments.some((a) => a.id === u.id) ? m.id : null;
}

async function messageExists(deps: OwnerDeps, conversationId: string, messageId: string): Promise<boolean> {
  const row = await deps.store.getMessage(messageId);
  if (row) return row.conversation_id === conversationId;
  if (await deps.hot.locateInFlight(messageId)) return true;
  return !!deps.archive && (await deps.archive.findMessage([conversationId], messageId)) !== null;
}
