import { safetySuite } from './safety.suite.js';

safetySuite('real Valkey + PostgreSQL', { hot: 'valkey', store: 'postgres' });
