import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LocalObjectStore } from '../../src/archive/local-object-store.js';
import { searchSuite } from './search.suite.js';

searchSuite('the embedded defaults (memory + SQLite FTS5 + local Parquet)', {
  async archiveStore() {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-search-'));
    return { store: new LocalObjectStore(dir), close: async () => fs.rmSync(dir, { recursive: true, force: true }) };
  },
});
