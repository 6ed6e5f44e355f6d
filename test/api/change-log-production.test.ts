import { changeLogSuite } from './change-log.suite.js';

changeLogSuite('real Valkey + PostgreSQL', { hot: 'valkey', store: 'postgres' });
