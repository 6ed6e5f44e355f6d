import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LocalObjectStore } from '../../src/archive/local-object-store.js';
import { threadsSuite } from './threads.suite.js';

threadsSuite('the embedded defaults (memory + SQLite + local Parquet)', {
  async archiveStore() {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-threads-'));
    return { store: new LocalObjectStore(dir), close: async () => fs.rmSync(dir, { recursive: true, force: true }) };
  },
});
