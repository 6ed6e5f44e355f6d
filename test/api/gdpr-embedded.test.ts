import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LocalObjectStore } from '../../src/archive/local-object-store.js';
import { gdprSuite } from './gdpr.suite.js';

gdprSuite('the embedded defaults (memory + SQLite + local store)', {
  async archiveStore() {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-gdpr-'));
    return { store: new LocalObjectStore(dir), close: async () => fs.rmSync(dir, { recursive: true, force: true }) };
  },
});
