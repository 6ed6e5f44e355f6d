// What the message use-cases need of the cold tier (the Parquet archive, archive/archive.ts):
// pages below the warm store, the archive watermark (archived messages are immutable), and an
// archived message by id. Absent when no archive is wired.
import type { Message } from '../model/message.js';

export interface ColdTier {
  readRange(conversationId: string, range: { beforeSeq?: number; afterSeq?: number; limit: number }): Promise<Message[]>;
  /** Highest seq of the conversation held by the archive (0: none). */
  archivedThrough(conversationId: string): Promise<number>;
  /** An archived message by id among the given conversations, or null. */
  findMessage(conversationIds: string[], id: string): Promise<{ conversationId: string; seq: number } | null>;
}
