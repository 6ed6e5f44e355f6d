// History through the warm store and the archive: the page listMessages would return if every
// row were still warm. Archived rows all have seq ≤ the manifest watermark W, and warm rows
// ≤ W are at most a suffix left by an interrupted delete (the same messages), so:
// - a full warm page for before/latest has nothing older to gain from the archive;
// - a full after-page that starts right at afterSeq + 1 has nothing to gain either;
// otherwise both are read and merged by seq (warm wins a duplicate; both hold the same bytes).
import type { Message } from '../model/message.js';
import type { MessageRange, MessageStore } from '../store/store.js';
import type { Archive } from './archive.js';

export function mergePage(range: MessageRange, ...pages: Message[][]): Message[] {
  const bySeq = new Map<number, Message>();
  for (const page of pages) for (const m of page) if (!bySeq.has(m.seq)) bySeq.set(m.seq, m);
  const all = [...bySeq.values()].sort((a, b) => a.seq - b.seq);
  return range.afterSeq !== undefined ? all.slice(0, range.limit) : all.slice(Math.max(0, all.length - range.limit));
}

export async function readThrough(
  warm: Pick<MessageStore, 'listMessages'>, archive: Archive, conversationId: string, range: MessageRange,
): Promise<Message[]> {
  const w = await warm.listMessages(conversationId, range);
  if (w.length === range.limit && (range.afterSeq === undefined || w[0].seq === range.afterSeq + 1)) return w;
  return mergePage(range, w, await archive.readRange(conversationId, range));
}
