import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { S3ObjectStore } from '../../src/archive/s3-object-store.js';
import { startSwift } from '../services/swift.js';
import { uniqueName } from '../unique.js';
import { corpusResults, searchSuite, sendCorpus, startSearchStack } from './search.suite.js';

searchSuite('real Valkey + PostgreSQL + S3 (Swift)', {
  hot: 'valkey', store: 'postgres',
  async archiveStore() {
    const swift = await startSwift();
    const bucket = uniqueName('strata-search').replace(/_/g, '-');
    const client = new S3Client({ endpoint: swift.endpoint, region: swift.region, forcePathStyle: true, credentials: swift });
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
    client.destroy();
    const store = new S3ObjectStore({ bucket, prefix: 'cold', endpoint: swift.endpoint, region: swift.region, forcePathStyle: true, credentials: swift });
    return { store, close: () => swift.stop() };
  },
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
