// The audit archive on the embedded stack: SQLite in memory and a local archive directory
// (audit-archive.cases.ts; audit-archive.int.test.ts runs the same on PostgreSQL and S3).
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { LocalObjectStore } from '../archive/local-object-store.js';
import { auditArchiveCases } from './audit-archive.cases.js';

auditArchiveCases('SQLite + a local directory', {
  store: 'sqlite',
  objects: async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'strata-audit-archive-'));
    return { store: new LocalObjectStore(dir), close: () => fs.rm(dir, { recursive: true, force: true }) };
  },
});
