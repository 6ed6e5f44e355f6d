import { safetySuite } from './safety.suite.js';

safetySuite('the embedded defaults (memory + SQLite)', {});
