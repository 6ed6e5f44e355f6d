import { moderationSuite } from './moderation.suite.js';

moderationSuite('real Valkey + PostgreSQL', { hot: 'valkey', store: 'postgres' });
