import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { archiveContract } from './archive.contract.js';
import { LocalObjectStore } from './local-object-store.js';

archiveContract('local directory', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'strata-archive-'));
  return { objects: new LocalObjectStore(dir), cleanup: () => fs.rm(dir, { recursive: true, force: true }) };
});
