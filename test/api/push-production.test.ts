import { swiftArchiveStore } from '../helpers/swift-archive.js';
import { pushSuite } from './push.suite.js';

pushSuite('real Valkey + PostgreSQL + S3 (Swift)', { hot: 'valkey', store: 'postgres', archiveStore: () => swiftArchiveStore('strata-push') });
