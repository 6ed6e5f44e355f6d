// The SearchStore contract (search-store.ts): every adapter (SQL on SQLite FTS5 and on
// PostgreSQL) must pass this same suite. Documents are written by the persist path, so every
// fixture goes in as the app writes it (changes through Store.applyChanges). Every adapter
// guarantees:
//   - a stored message with text has one document (its normalised words); a redelivered change
//     adds none; a message deleted has none; an edit replaces the words (the old ones no longer
//     find it);
//   - candidates are a superset of what the matcher (search/query.ts) accepts, for words,
//     phrases, prefixes, CJK words and words the engines cut differently ("don't", "e-mail",
//     "3.14", "example.com");
//   - filters: conversations, sender, thread, created_at bounds (exclusive); newest first
//     (created_at, conversation_id, seq descending), `olderThan` pages without gaps or repeats,
//     `limit` caps;
//   - documents survive archiving (the message rows gone, the documents stay).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { v7 as uuidv7 } from 'uuid';
import type { StoredChange } from '../model/change.js';
import { messageJson, type Message } from '../model/message.js';
import { matches, parseQuery } from '../search/query.js';
import type { ArchiveSource } from './archive-source.js';
import type { SearchDoc, SearchFilter, SearchStore } from './search-store.js';
import type { Store } from './store.js';
import { msg } from './store.contract.js';

export interface SearchUnderTest {
  search: SearchStore;
  store: Pick<Store, 'createConversation' | 'applyChanges'>;
  archive: ArchiveSource;
  close(): Promise<void>;
}

function change(type: 'message' | 'edit' | 'delete', m: Message): StoredChange {
  return { conversation_id: m.conversation_id, cursor: m.version, type, json: `{"type":"${type}","cursor":${m.version},"message":${messageJson(m)}}`, message: m };
}

const at = (second: number) => new Date(Date.UTC(2026, 2, 1, 0, 0, second)).toISOString();

export function searchStoreContract(name: string, make: () => Promise<SearchUnderTest>) {
  describe(`SearchStore contract: ${name}`, () => {
    let u: SearchUnderTest;
    beforeAll(async () => {
      u = await make();
    });
    afterAll(async () => u?.close());

    async function conversation(): Promise<string> {
      const id = uuidv7();
      await u.store.createConversation({ id, title: null, kind: 'group', created_by: 'alice', created_at: at(0), members: [{ user: 'alice', role: 'owner' }, { user: 'bob', role: 'member' }] });
      return id;
    }
    const find = (f: Partial<SearchFilter> & { conversationIds: string[] }, q?: string): Promise<SearchDoc[]> =>
      u.search.searchCandidates({ terms: q ? parseQuery(q).terms : [], limit: 100, ...f });
    const texts = (docs: SearchDoc[]) => docs.map((d) => d.words);

    it('one document per stored message with text, its normalised words; a redelivery adds none', async () => {
      const c = await conversation();
      const a = msg(c, 1, { text: 'Hello Café WORLD', created_at: at(1) });
      const b = msg(c, 2, { text: null, deleted_at: at(3), created_at: at(2) });
      await u.store.applyChanges([change('message', a), change('message', b)]);
      await u.store.applyChanges([change('message', a)]);
      const docs = await find({ conversationIds: [c] });
      expect(docs).toEqual([{ conversation_id: c, seq: 1, message_id: a.id, sender: 'alice', thread_id: null, created_at: at(1), words: 'hello cafe world' }]);
    });

    it('an edit replaces the words, a delete removes the document — also when the message is archived', async () => {
      const c = await conversation();
      const a = msg(c, 1, { text: 'alpha beta', created_at: at(1) });
      const b = msg(c, 2, { text: 'gamma', created_at: at(2) });
      await u.store.applyChanges([change('message', a), change('message', b)]);
      await u.store.applyChanges([change('edit', { ...a, version: 10, text: 'delta', edited_at: at(5) })]);
      expect(texts(await find({ conversationIds: [c] }, 'alpha'))).toEqual([]);
      expect(texts(await find({ conversationIds: [c] }, 'delta'))).toEqual(['delta']);
      await u.archive.deleteArchived(c, 2);
      expect(texts(await find({ conversationIds: [c] }))).toEqual(['gamma', 'delta']); // documents survive archiving
      await u.store.applyChanges([change('delete', { ...b, version: 11, text: null, deleted_at: at(6) })], async () => 2);
      await u.store.applyChanges([change('edit', { ...a, version: 12, text: 'epsilon', edited_at: at(7) })], async () => 2);
      expect(texts(await find({ conversationIds: [c] }))).toEqual(['epsilon']);
    });

    it('finds at least every message the matcher accepts, for words the engines cut differently', async () => {
      const c = await conversation();
      const corpus = ["don't stop", 'e-mail me', 'pi is 3.14', 'see example.com now', '我们今天去北京吃饭', 'naïve café', 'world-wide web', 'under_score x'];
      await u.store.applyChanges(corpus.map((text, i) => change('message', msg(c, i + 1, { text, created_at: at(i + 1) }))));
      const queries = ["don't", "don'*", 'e-mail', '"e mail"', 'mai*', '3.14', '3*', 'example.com', 'exam*', '北京', '北*', 'naive', 'cafe', '"wide web"', 'world-wi*', 'under_score', 'unde*'];
      for (const q of queries) {
        const terms = parseQuery(q).terms;
        const all = await find({ conversationIds: [c] });
        const want = all.filter((d) => matches(d.words.split(' '), terms)).map((d) => d.seq);
        expect(want.length, q).toBeGreaterThan(0);
        const got = (await find({ conversationIds: [c] }, q)).map((d) => d.seq);
        for (const s of want) expect(got, `${q} must find seq ${s}`).toContain(s);
      }
    });

    it('filters by conversation, sender, thread and time; newest first; olderThan pages without gaps or repeats', async () => {
      const [c1, c2] = [await conversation(), await conversation()];
      const root = msg(c1, 1, { text: 'root word', created_at: at(1) });
      const rows = [
        root,
        msg(c1, 2, { text: 'word two', sender: 'bob', thread_id: root.id, in_timeline: false, created_at: at(2) }),
        msg(c2, 1, { text: 'word three', created_at: at(2) }),
        msg(c1, 3, { text: 'word four', sender: 'bob', created_at: at(4) }),
        msg(c2, 2, { text: 'other', created_at: at(5) }),
      ];
      await u.store.applyChanges(rows.map((m) => change('message', m)));
      const key = (d: SearchDoc) => `${d.conversation_id === c1 ? 'c1' : 'c2'}#${d.seq}`;
      const both = [c1, c2];
      const tie = c1 > c2 ? ['c1#2', 'c2#1'] : ['c2#1', 'c1#2'];
      expect((await find({ conversationIds: both }, 'word')).map(key)).toEqual(['c1#3', ...tie, 'c1#1']);
      expect((await find({ conversationIds: [c2] }, 'word')).map(key)).toEqual(['c2#1']);
      expect((await find({ conversationIds: both, sender: 'bob' }, 'word')).map(key)).toEqual(['c1#3', 'c1#2']);
      expect((await find({ conversationIds: both, threadId: root.id })).map(key)).toEqual(['c1#2']);
      expect((await find({ conversationIds: both, before: at(4), after: at(1) }, 'word')).map(key)).toEqual(tie);
      expect(await find({ conversationIds: [] }, 'word')).toEqual([]);
      const paged: string[] = [];
      let olderThan: SearchFilter['olderThan'];
      for (;;) {
        const page = await find({ conversationIds: both, limit: 1, olderThan }, 'word');
        if (page.length === 0) break;
        paged.push(...page.map(key));
        const d = page[page.length - 1];
        olderThan = { created_at: d.created_at, conversation_id: d.conversation_id, seq: d.seq };
      }
      expect(paged).toEqual(['c1#3', ...tie, 'c1#1']);
    });
  });
}
