// The audit archive on the production stack: PostgreSQL (a schema of its own, test/global-setup.ts)
// and S3 on a Swift s3api server of this file's own (test/helpers/swift-archive.ts), through the
// same cases as the embedded stack (audit-archive.cases.ts).
import { swiftArchiveStore } from '../../test/helpers/swift-archive.js';
import { auditArchiveCases } from './audit-archive.cases.js';

auditArchiveCases('PostgreSQL + S3 (Swift s3api)', { store: 'postgres', objects: () => swiftArchiveStore('strata-audit') });
