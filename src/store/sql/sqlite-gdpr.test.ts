// The SQL GDPR adapter on SQLite in memory against its contract; postgres-gdpr.int.test.ts runs the same.
import { gdprStoreContract } from '../gdpr-store.contract.js';
import { gdprSubject } from './gdpr-subject.test-kit.js';
import { openStore } from './sql-ports.test-kit.js';

gdprStoreContract('SQL on SQLite (in memory)', gdprSubject(() => openStore('sqlite::memory:')));
