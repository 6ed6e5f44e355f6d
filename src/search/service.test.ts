// The scan budget of one search request (a unit test of the service's logic: the store is a
// fake that holds 50,000 documents none of which matches).
import { describe, expect, it } from 'vitest';
import type { Deps } from '../deps.js';
import type { SearchDoc, SearchFilter } from '../store/search-store.js';
import { MAX_SCANNED, SearchService } from './service.js';

const C = '0190c8a4-0000-7000-8000-00000000000c';

describe('SearchService scan budget', () => {
  it('stops after MAX_SCANNED candidates and gives a cursor that goes on from there', async () => {
    const docs: SearchDoc[] = Array.from({ length: 50_000 }, (_, i) => ({
      conversation_id: C, seq: 50_000 - i, message_id: `m${i}`, sender: 'bob', thread_id: null,
      created_at: new Date(Date.UTC(2026, 0, 1) + (50_000 - i) * 1000).toISOString(), words: 'nothing here',
    }));
    let scanned = 0;
    const search = {
      async searchCandidates(f: SearchFilter) {
        const from = f.olderThan ? docs.findIndex((d) => d.seq === f.olderThan!.seq) + 1 : 0;
        const page = docs.slice(from, from + f.limit);
        scanned += page.length;
        return page;
      },
    };
    const deps = { search, store: { listConversations: async () => [{ id: C }] } } as unknown as Deps;
    const threads = { settleAll: async () => true, messagesAt: async () => [], load: async () => { throw new Error('unused'); } };
    const svc = new SearchService(deps, threads as never);
    const first = await svc.search('u', { q: 'word', sort: 'time' });
    expect(first.results).toEqual([]);
    expect(scanned).toBe(MAX_SCANNED);
    expect(first.next_cursor).not.toBeNull();
    const second = await svc.search('u', { q: 'word', sort: 'time', cursor: first.next_cursor! });
    expect(scanned).toBe(2 * MAX_SCANNED);
    const third = await svc.search('u', { q: 'word', sort: 'time', cursor: second.next_cursor! });
    expect(scanned).toBe(50_000);
    expect(third.next_cursor).toBeNull();
  });
});
