import { moderationSuite } from './moderation.suite.js';

moderationSuite('the embedded defaults (memory + SQLite)', {});
