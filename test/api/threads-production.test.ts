import { swiftArchiveStore } from '../helpers/swift-archive.js';
import { threadsSuite } from './threads.suite.js';

threadsSuite('real Valkey + PostgreSQL + S3 (Swift)', {
  hot: 'valkey', store: 'postgres',
  archiveStore: () => swiftArchiveStore('strata-threads'),
});
