// The SQL GDPR adapter on a real PostgreSQL server (test/global-setup.ts), in a fresh schema, against its contract.
import { inject } from 'vitest';
import { uniqueName } from '../../../test/unique.js';
import { gdprStoreContract } from '../gdpr-store.contract.js';
import { gdprSubject } from './gdpr-subject.test-kit.js';
import { openStore } from './sql-ports.test-kit.js';

gdprStoreContract('SQL on PostgreSQL (real server)', gdprSubject(() => openStore(inject('databaseUrl'), uniqueName('gdpr'))));
