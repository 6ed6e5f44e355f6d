// The BlocklistStore port: the operators' blocklist of words, phrases and patterns (table
// `blocklist`, migration 0012, docs/moderation.md#blocklist). Each node keeps the list compiled
// in memory (moderation/blocklist.ts) and reads it again at most BLOCKLIST_REFRESH_MS later.
export type BlocklistKind = 'word' | 'regex';
export type BlocklistAction = 'reject' | 'mask';

export interface BlocklistEntry {
  id: string;
  kind: BlocklistKind;
  /** kind word: a word or phrase as the operator gave it; kind regex: an RE2 pattern. */
  pattern: string;
  action: BlocklistAction;
  created_by: string;
  created_at: string;
}

export interface BlocklistStore {
  /** False (nothing stored) when an entry of that kind and pattern exists. */
  add(e: BlocklistEntry): Promise<boolean>;
  /** Oldest first. */
  list(): Promise<BlocklistEntry[]>;
  /** The entry removed, or null when there was none. */
  remove(id: string): Promise<BlocklistEntry | null>;
}
