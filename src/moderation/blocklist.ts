// The operators' blocklist (docs/moderation.md#blocklist): add, list and remove entries (each an
// audit-log action), and filter a send's or an edit's text through it. Each node keeps the list
// compiled (blocklist-matcher.ts) and reads it from the warm store again when its copy is older
// than BLOCKLIST_REFRESH_MS: an operator's change applies at once on the node that made it and
// within BLOCKLIST_REFRESH_MS on every other node. A node whose warm store is unreachable keeps
// using its last list; with none yet, a send answers UNAVAILABLE.
import { v7 as uuidv7 } from 'uuid';
import type { Actor, AuditLog } from '../audit/audit-log.js';
import { AppError } from '../errors.js';
import type { BlocklistAction, BlocklistEntry, BlocklistKind, BlocklistStore } from '../store/blocklist-store.js';
import { BlocklistMatcher, compileRegex, entryWords, MAX_ENTRIES, MAX_PATTERN_CHARS, MAX_REGEX_ENTRIES } from './blocklist-matcher.js';

export const BLOCKLIST_REFRESH_MS = 5000;

export class Blocklist {
  private matcher?: BlocklistMatcher;
  private loadedAt = 0;
  private loading?: Promise<BlocklistMatcher>;

  constructor(private store: BlocklistStore | undefined, private audit: AuditLog, private refreshMs = BLOCKLIST_REFRESH_MS) {}

  private get entries(): BlocklistStore {
    if (!this.store) throw new AppError('UNAVAILABLE', 'the blocklist is not configured on this node');
    return this.store;
  }

  /** The compiled list, read again when older than refreshMs (one read at a time). */
  private async current(): Promise<BlocklistMatcher | undefined> {
    if (!this.store) return undefined;
    if (this.matcher && Date.now() - this.loadedAt < this.refreshMs) return this.matcher;
    this.loading ??= (async () => {
      try {
        const started = Date.now();
        const m = new BlocklistMatcher(await this.entries.list());
        this.matcher = m;
        this.loadedAt = started;
        return m;
      } finally {
        this.loading = undefined;
      }
    })();
    try {
      return await this.loading;
    } catch (e) {
      if (this.matcher) return this.matcher; // warm store unreachable: the last list still applies (see the header)
      throw e;
    }
  }

  /** The text to store (masked where `mask` entries match), or BLOCKLIST_REJECTED. */
  async filter(text: string): Promise<string> {
    const m = await this.current();
    if (!m || m.size === 0) return text;
    const v = m.check(text);
    if (v.rejectedBy) throw new AppError('BLOCKLIST_REJECTED', 'the text contains a blocked word or pattern');
    return v.text;
  }

  list(): Promise<BlocklistEntry[]> {
    return this.entries.list();
  }

  async add(actor: Actor, body: { kind: BlocklistKind; pattern: string; action: BlocklistAction }): Promise<BlocklistEntry> {
    const pattern = body.pattern;
    if (pattern.length === 0 || pattern.length > MAX_PATTERN_CHARS) throw new AppError('BLOCKLIST_PATTERN_INVALID', `pattern must be 1 to ${MAX_PATTERN_CHARS} characters`);
    if (body.kind === 'word') entryWords(pattern);
    else compileRegex(pattern);
    const all = await this.entries.list();
    if (all.length >= MAX_ENTRIES) throw new AppError('BLOCKLIST_FULL', `the blocklist holds ${MAX_ENTRIES} entries at most`);
    if (body.kind === 'regex' && all.filter((e) => e.kind === 'regex').length >= MAX_REGEX_ENTRIES) {
      throw new AppError('BLOCKLIST_FULL', `the blocklist holds ${MAX_REGEX_ENTRIES} regex entries at most`);
    }
    const entry: BlocklistEntry = { id: uuidv7(), kind: body.kind, pattern, action: body.action, created_by: actor.user, created_at: new Date().toISOString() };
    if (!(await this.entries.add(entry))) throw new AppError('BLOCKLIST_ENTRY_EXISTS', `a ${body.kind} entry ${JSON.stringify(pattern)} exists already`);
    this.loadedAt = 0; // this node: at once
    await this.audit.record({ action: 'blocklist.added', actor, details: { id: entry.id, kind: entry.kind, pattern, action: entry.action } });
    return entry;
  }

  async remove(actor: Actor, id: string): Promise<void> {
    const gone = await this.entries.remove(id);
    if (!gone) throw new AppError('BLOCKLIST_ENTRY_NOT_FOUND', `no blocklist entry ${id}`);
    this.loadedAt = 0;
    await this.audit.record({ action: 'blocklist.removed', actor, details: { id, kind: gone.kind, pattern: gone.pattern, action: gone.action } });
  }
}
