import { apiSuite } from './api.suite.js';

apiSuite('the embedded defaults (memory hot tier + SQLite)', { hot: 'memory', store: 'sqlite' });
