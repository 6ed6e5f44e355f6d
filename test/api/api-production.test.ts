import { apiSuite } from './api.suite.js';

apiSuite('real Valkey + PostgreSQL', { hot: 'valkey', store: 'postgres' });
