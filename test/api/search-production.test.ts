import { swiftArchiveStore } from '../helpers/swift-archive.js';
import { describe, expect, it } from 'vitest';
import { corpusResults, searchSuite, sendCorpus, startSearchStack } from './search.suite.js';

searchSuite('real Valkey + PostgreSQL + S3 (Swift)', {
  hot: 'valkey', store: 'postgres',
  archiveStore: () => swiftArchiveStore('strata-search'),
});

describe('search engines agree', () => {
  it('every query of the corpus gives the same results in the same order on SQLite FTS5 and PostgreSQL', async () => {
    const [lite, pg] = await Promise.all([startSearchStack({}), startSearchStack({ hot: 'valkey', store: 'postgres' })]);
    try {
      const a = await sendCorpus(lite);
      const b = await sendCorpus(pg);
      const [ra, rb] = [await corpusResults(lite, a.conv), await corpusResults(pg, b.conv)];
      expect(Object.values(ra).filter((r) => r.length > 0).length).toBeGreaterThan(15);
      expect(rb).toEqual(ra);
    } finally {
      await Promise.all([lite.s.close(), pg.s.close()]);
    }
  }, 180_000);
});
