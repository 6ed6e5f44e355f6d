import { inject } from 'vitest';
import { uniqueName } from '../../../test/unique.js';
import { changeStoreContract } from '../change-store.contract.js';
import { storeContract } from '../store.contract.js';
import { createSqlStore } from './sql-store.js';

storeContract('PostgreSQL (real server)', () => createSqlStore(inject('databaseUrl'), { schema: uniqueName('store') }));
changeStoreContract('PostgreSQL (real server)', () => createSqlStore(inject('databaseUrl'), { schema: uniqueName('changes') }));
