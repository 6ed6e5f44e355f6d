import { webhooksSuite } from './webhooks.suite.js';

webhooksSuite('the embedded defaults (memory + SQLite)', {});
