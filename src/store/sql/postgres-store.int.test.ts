import { inject } from 'vitest';
import { uniqueName } from '../../../test/unique.js';
import { changeStoreContract } from '../change-store.contract.js';
import { storeContract } from '../store.contract.js';
import { createSqlStore, type SqlStore } from './sql-store.js';
import { SqlThreads } from './sql-threads.js';

storeContract('PostgreSQL (real server)', () => createSqlStore(inject('databaseUrl'), { schema: uniqueName('store') }));
changeStoreContract('PostgreSQL (real server)', () => createSqlStore(inject('databaseUrl'), { schema: uniqueName('changes') }), (s) => new SqlThreads((s as SqlStore).db));
