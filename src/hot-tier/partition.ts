// partition = hash(conversation_id) mod P. FNV-1a over the id's UTF-16 code units: stable
// across processes and versions (it decides which log and which hash slot a conversation uses).
export function partitionOf(conversationId: string, partitions: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < conversationId.length; i++) {
    h ^= conversationId.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h % partitions;
}
