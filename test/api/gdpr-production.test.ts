import { swiftArchiveStore } from '../helpers/swift-archive.js';
import { gdprSuite } from './gdpr.suite.js';

gdprSuite('real Valkey + PostgreSQL + S3 (Swift)', {
  hot: 'valkey', store: 'postgres',
  archiveStore: () => swiftArchiveStore('strata-gdpr'),
});
