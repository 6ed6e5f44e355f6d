import { webhooksSuite } from './webhooks.suite.js';

webhooksSuite('real Valkey + PostgreSQL', { hot: 'valkey', store: 'postgres' });
