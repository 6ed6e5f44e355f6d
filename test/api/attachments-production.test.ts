import { swiftArchiveStore } from '../helpers/swift-archive.js';
import { attachmentsSuite } from './attachments.suite.js';

attachmentsSuite('real Valkey + PostgreSQL + S3 (Swift)', {
  hot: 'valkey', store: 'postgres',
  archiveStore: () => swiftArchiveStore('strata-attachments'),
});
