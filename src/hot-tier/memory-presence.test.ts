// MemoryPresence against the shared contract (the suite fakes Date before building it, and the
// adapter reads the clock through Date.now).
import { presenceContract } from './presence.contract.js';
import { MemoryPresence } from './memory-presence.js';

presenceContract('memory', async () => ({ presence: new MemoryPresence(), close: async () => {} }));
