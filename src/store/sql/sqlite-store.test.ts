import { changeStoreContract } from '../change-store.contract.js';
import { storeContract } from '../store.contract.js';
import { createSqlStore, type SqlStore } from './sql-store.js';
import { SqlThreads } from './sql-threads.js';

storeContract('SQLite (in memory)', () => createSqlStore('sqlite::memory:'));
changeStoreContract('SQLite (in memory)', () => createSqlStore('sqlite::memory:'), (s) => new SqlThreads((s as SqlStore).db));
