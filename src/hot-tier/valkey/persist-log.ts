// Persist-log helpers of the Valkey adapter: a pool of connections for blocking reads and the
// parsers of stream replies (XREADGROUP, claim-stale-1.lua, XRANGE of the dead letters).
import type { DeadLetter, LogEntry } from '../hot-tier.js';
import { createBlockingClient, type Client } from './connection.js';

/**
 * XREADGROUP … BLOCK on connections of its own: a blocked command holds its connection, so on
 * the auto-pipelined main one it would stall every other call. Each concurrent read takes a
 * connection from the pool (opening one if none is idle) and returns it afterwards.
 */
export class BlockingReader {
  private idle: Client[] = [];
  private all = new Set<Client>();
  private closed = false;

  constructor(
    private readonly main: Client,
    private readonly maxIdle: number,
    private readonly onError: (e: Error) => void,
  ) {}

  async xreadgroup(args: (string | number)[]): Promise<unknown> {
    if (this.closed) return null;
    const conn = this.idle.pop() ?? this.open();
    try {
      return await conn.call('XREADGROUP', ...args);
    } catch (e) {
      // close() ends blocked reads by disconnecting: that is "nothing read", not a failure
      if (this.closed) return null;
      throw e;
    } finally {
      this.release(conn);
    }
  }

  private open(): Client {
    const conn = createBlockingClient(this.main);
    conn.on('error', this.onError);
    this.all.add(conn);
    return conn;
  }

  private release(conn: Client): void {
    if (!this.closed && this.idle.length < this.maxIdle && conn.status === 'ready') {
      this.idle.push(conn);
      return;
    }
    this.all.delete(conn);
    conn.disconnect();
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const conn of this.all) conn.disconnect();
    this.all.clear();
    this.idle = [];
  }
}

type StreamEntry = [id: string, fields: string[] | null];

function field(fields: string[] | null, name: string): string | undefined {
  if (!fields) return undefined;
  for (let i = 0; i < fields.length; i += 2) if (fields[i] === name) return fields[i + 1];
  return undefined;
}

/** XREADGROUP reply `[[key, [[id, [f, v, …]], …]]]` or flat `[key, […]]` (or null): entries delivered for the first time. */
export function parseStreamRead(reply: unknown, partition: number): LogEntry[] {
  if (!reply) return [];
  // RESP3 answers a map, which `call()` hands over flat: [key, entries, key, entries, …]
  const arr = reply as unknown[];
  const streams = typeof arr[0] === 'string'
    ? arr.flatMap((v, i) => (i % 2 === 1 ? [[arr[i - 1], v] as [string, StreamEntry[]]] : []))
    : (arr as [string, StreamEntry[]][]);
  const out: LogEntry[] = [];
  for (const [, entries] of streams) {
    for (const [id, fields] of entries) {
      const payload = field(fields, 'm');
      // XREADGROUP with ">" never returns deleted entries; a missing field is a foreign entry
      if (payload !== undefined) out.push({ id, partition, payload, deliveries: 1 });
    }
  }
  return out;
}

/** claim-stale-1.lua reply: flat `[id, payload, deliveries, …]`. */
export function parseClaimed(reply: unknown, partition: number): LogEntry[] {
  const flat = (reply ?? []) as (string | number)[];
  const out: LogEntry[] = [];
  for (let i = 0; i + 2 < flat.length; i += 3) {
    out.push({ id: String(flat[i]), partition, payload: String(flat[i + 1]), deliveries: Number(flat[i + 2]) });
  }
  return out;
}

/** XRANGE reply of the dead-letter stream. */
export function parseDeadLetters(reply: unknown): DeadLetter[] {
  return ((reply ?? []) as StreamEntry[]).map(([id, fields]) => ({
    id,
    partition: Number(field(fields, 'partition') ?? 0),
    payload: field(fields, 'payload') ?? '',
    error: field(fields, 'error') ?? '',
    failed_at: field(fields, 'failed_at') ?? '',
  }));
}
