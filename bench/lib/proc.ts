// Child processes of the harness: load generators and baseline servers run in processes of
// their own (never in the process they measure). Every child is tracked by its PID so the
// harness kills exactly the processes it started, and nothing else, when it stops.
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const BENCH_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const ROOT = path.resolve(BENCH_DIR, '..');

/** tsx's ESM loader, resolved from here so children start from any working directory. */
const TSX = import.meta.resolve('tsx');

const started = new Set<ChildProcess>();

export function track(child: ChildProcess): ChildProcess {
  started.add(child);
  child.once('exit', () => started.delete(child));
  return child;
}

/** Kills every child this process started (by PID), e.g. on an error or Ctrl-C. */
export function killStarted(): void {
  for (const child of started) {
    if (child.exitCode === null && child.signalCode === null && child.pid) {
      try {
        process.kill(child.pid, 'SIGKILL');
      } catch {
        // exited between the check and the kill: nothing left to stop
      }
    }
  }
}

/** Forks a TypeScript module of bench/ (through tsx) with an IPC channel. */
export function forkTs(relPath: string, opts: { execArgv?: string[]; env?: NodeJS.ProcessEnv } = {}): ChildProcess {
  const child = fork(path.join(BENCH_DIR, relPath), [], {
    execArgv: ['--import', TSX, ...(opts.execArgv ?? [])],
    serialization: 'advanced',
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, ...opts.env },
  });
  return track(child);
}

export function spawnTracked(cmd: string, args: string[], opts: Parameters<typeof spawn>[2] = {}): ChildProcess {
  return track(spawn(cmd, args, opts));
}

/** Next IPC message from a child that satisfies `match`, or an error if it exits or times out. */
export function nextMessage<T>(child: ChildProcess, timeoutMs: number, match: (m: any) => boolean = () => true): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => done(new Error(`child ${child.pid} sent no message within ${timeoutMs} ms`)), timeoutMs);
    const onMsg = (m: any) => {
      if (m && m.error) return done(new Error(`child ${child.pid}: ${m.error}`));
      if (match(m)) done(undefined, m);
    };
    const onExit = (code: number | null) => done(new Error(`child ${child.pid} exited (${code}) before answering`));
    function done(err?: Error, m?: T) {
      clearTimeout(timer);
      child.off('message', onMsg);
      child.off('exit', onExit);
      if (err) reject(err);
      else resolve(m as T);
    }
    child.on('message', onMsg);
    child.on('exit', onExit);
  });
}

/** Runs one job in a fresh child: send the job, await `{result}`, let the child exit. */
export async function runJob<J, R>(relPath: string, job: J, timeoutMs: number, opts: { execArgv?: string[] } = {}): Promise<R> {
  const child = forkTs(relPath, opts);
  const exited = new Promise((r) => child.once('exit', r));
  try {
    await nextMessage(child, 30_000, (m) => m?.ready);
    child.send({ job });
    const m = await nextMessage<{ result: R }>(child, timeoutMs, (x) => 'result' in x);
    return m.result;
  } finally {
    if (child.exitCode === null && child.signalCode === null) {
      child.send?.({ exit: true });
      const t = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
    }
  }
}

/** The child side of runJob: call once at the top of a job module. */
export function serveJob<J, R>(fn: (job: J) => Promise<R>): void {
  process.on('message', (m: any) => {
    if (m?.exit) process.exit(0);
    if (!m?.job) return;
    fn(m.job as J).then(
      (result) => process.send!({ result }),
      (e) => process.send!({ error: (e as Error).stack ?? String(e) }),
    );
  });
  process.send!({ ready: true });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** True when the module at `metaUrl` is the process's entry (a forked job), not an import. */
export function isMain(metaUrl: string): boolean {
  return !!process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(metaUrl);
}

/** RLIMIT_NOFILE of a process (soft, hard) from /proc/<pid>/limits; NaN when it is gone. */
export function nofileLimit(pid: number): { soft: number; hard: number } {
  try {
    const m = /^Max open files\s+(\S+)\s+(\S+)/m.exec(fs.readFileSync(`/proc/${pid}/limits`, 'utf8'));
    const n = (s: string | undefined) => (s === 'unlimited' ? Infinity : Number(s ?? NaN));
    return { soft: n(m?.[1]), hard: n(m?.[2]) };
  } catch {
    return { soft: NaN, hard: NaN };
  }
}

/** File descriptors a process holds now (entries of /proc/<pid>/fd); NaN when it is gone. */
export function openFds(pid: number): number {
  try {
    return fs.readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return NaN;
  }
}

export interface NofileRaise {
  pid: number;
  /** The limit asked for. */
  want: number;
  /** The process's limits after the attempt. */
  soft: number;
  hard: number;
  /** soft >= want */
  ok: boolean;
  /** Why it is not: prlimit's answer (e.g. no CAP_SYS_RESOURCE to raise the hard limit). */
  error?: string;
}

/**
 * Raises a running process's open-file limit (soft and, when needed, hard) to `want` with
 * util-linux `prlimit --pid` — the hard limit only goes up with CAP_SYS_RESOURCE (root). When
 * that fails, the soft limit is still raised as far as the hard one allows. Never lowers a limit.
 */
export function raiseNofile(pid: number, want: number): NofileRaise {
  const before = nofileLimit(pid);
  if (!(before.soft < want)) return { pid, want, ...before, ok: before.soft >= want };
  let error: string | undefined;
  const set = (soft: number, hard: number) => {
    const fmtLim = (n: number) => (n === Infinity ? 'unlimited' : String(n));
    try {
      execFileSync('prlimit', ['--pid', String(pid), `--nofile=${fmtLim(soft)}:${fmtLim(hard)}`], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 10_000 });
      return true;
    } catch (e) {
      const err = e as { stderr?: Buffer; message: string };
      error ??= `prlimit --pid ${pid} --nofile=${fmtLim(soft)}:${fmtLim(hard)}: ${err.stderr?.toString().trim() || err.message}`;
      return false;
    }
  };
  if (!set(want, Math.max(want, before.hard)) && before.hard > before.soft) set(Math.min(want, before.hard), before.hard);
  const after = nofileLimit(pid);
  const ok = after.soft >= want;
  return { pid, want, ...after, ok, error: ok ? undefined : error ?? `soft limit ${after.soft} < ${want}` };
}
