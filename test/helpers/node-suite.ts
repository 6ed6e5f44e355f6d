// One file's worth of e2e setup: three API nodes on the suite's Valkey and PostgreSQL, started
// before the file's tests and stopped after them, with every socket the tests opened closed.
import { afterAll, beforeAll, inject } from 'vitest';
import { startNodes, type NodeCluster } from './nodes.js';
import type { WsClient } from './ws-client.js';

export interface NodeSuite {
  /** The running nodes (available inside tests, after beforeAll). */
  readonly cluster: NodeCluster;
  /** Sockets to close after the file's tests. */
  readonly sockets: WsClient[];
}

/** `env`: extra environment of every node (e.g. a smaller RECENT_LIMIT). */
export function threeNodeSuite(env: Record<string, string> = {}): NodeSuite {
  let cluster: NodeCluster | undefined;
  const sockets: WsClient[] = [];
  beforeAll(async () => {
    cluster = await startNodes(3, { valkeyUrl: inject('valkeyUrl'), databaseUrl: inject('databaseUrl'), env });
  });
  afterAll(async () => {
    for (const s of sockets) s.close();
    await cluster?.stop();
  });
  return {
    get cluster() {
      if (!cluster) throw new Error('the nodes are not started yet (use the cluster inside tests)');
      return cluster;
    },
    sockets,
  };
}
