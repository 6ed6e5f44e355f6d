import { pushSuite } from './push.suite.js';

pushSuite('the embedded defaults (memory + SQLite)', {});
