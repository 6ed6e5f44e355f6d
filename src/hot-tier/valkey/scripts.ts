// The Lua scripts of the Valkey hot tier: one file per atomic operation in ./lua, named
// `<name>-<numKeys>.lua`. They are defined on the client with ioredis' defineCommand (EVALSHA,
// with EVAL as the fallback on NOSCRIPT, e.g. after a failover to a node that never saw them)
// and SCRIPT LOADed on every master at start so the first calls do not pay for the fallback.
import fs from 'node:fs';
import { Cluster } from 'ioredis';
type Client = import('ioredis').Redis | Cluster; // = connection.ts's Client, not imported: connection.ts imports RunScript from here

export type ScriptName = 'ingest' | 'change' | 'advance' | 'read-changes' | 'seed' | 'read-recent' | 'rate-hit' | 'claim-stale' | 'ack' | 'presence-connect' | 'presence-disconnect' | 'scrub-changes';

interface LuaScript {
  name: ScriptName;
  numberOfKeys: number;
  lua: string;
}

const LUA_DIR = new URL('./lua/', import.meta.url);

function readScripts(): Map<ScriptName, LuaScript> {
  const scripts = new Map<ScriptName, LuaScript>();
  for (const file of fs.readdirSync(LUA_DIR)) {
    const m = /^([a-z-]+)-(\d+)\.lua$/.exec(file);
    if (!m) continue;
    const name = m[1] as ScriptName;
    scripts.set(name, { name, numberOfKeys: Number(m[2]), lua: fs.readFileSync(new URL(file, LUA_DIR), 'utf8') });
  }
  return scripts;
}

let cached: Map<ScriptName, LuaScript> | undefined;

/** ioredis method name of a script: `hotTier_read_recent`. */
function commandName(name: ScriptName): string {
  return `hotTier_${name.replace(/-/g, '_')}`;
}

export type RunScript = (name: ScriptName, keys: string[], args: (string | number)[]) => Promise<unknown>;

/** Defines every script on the client and returns the function that calls them. */
export function defineScripts(client: Client): RunScript {
  cached ??= readScripts();
  const scripts = cached;
  for (const s of scripts.values()) client.defineCommand(commandName(s.name), { numberOfKeys: s.numberOfKeys, lua: s.lua });
  return (name, keys, args) => {
    const s = scripts.get(name);
    if (!s) throw new Error(`no Lua script ${name} in ${LUA_DIR.pathname}`);
    if (keys.length !== s.numberOfKeys) throw new Error(`script ${name} takes ${s.numberOfKeys} keys, got ${keys.length}`);
    const fn = (client as unknown as Record<string, (...a: (string | number)[]) => Promise<unknown>>)[commandName(name)];
    return fn.call(client, ...keys, ...args);
  };
}

/** SCRIPT LOAD on every master (standalone: the one server). */
export async function preloadScripts(client: Client): Promise<void> {
  cached ??= readScripts();
  const nodes = client instanceof Cluster ? client.nodes('master') : [client];
  await Promise.all(nodes.flatMap((node) => [...cached!.values()].map((s) => node.script('LOAD', s.lua))));
}
