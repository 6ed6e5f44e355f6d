import { changeLogSuite } from './change-log.suite.js';

changeLogSuite('the embedded defaults (memory + SQLite)', {});
