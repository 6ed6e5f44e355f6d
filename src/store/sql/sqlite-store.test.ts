import { changeStoreContract } from '../change-store.contract.js';
import { storeContract } from '../store.contract.js';
import { createSqlStore } from './sql-store.js';

storeContract('SQLite (in memory)', () => createSqlStore('sqlite::memory:'));
changeStoreContract('SQLite (in memory)', () => createSqlStore('sqlite::memory:'));
