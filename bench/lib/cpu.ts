// CPU time of a process from /proc/<pid>/stat (utime + stime of all its threads, in clock ticks
// of 1/100 s on Linux): what a measured Strata process spent, read from outside it. The tick
// is 10 ms, so read over windows of a second or more.
import fs from 'node:fs';

/** USER_HZ: 100 on every Linux the harness runs on (sysconf(_SC_CLK_TCK); getconf CLK_TCK). */
const TICKS_PER_S = 100;

/** CPU microseconds the process used so far (user + system); NaN when it is gone or not Linux. */
export function cpuMicros(pid: number): number {
  let stat: string;
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return NaN; // exited, or no /proc (not Linux): the figure is printed as —
  }
  // the command name (field 2) may hold spaces and parentheses: count fields after the last ')'
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return ((utime + stime) * 1e6) / TICKS_PER_S;
}

interface ProcStat {
  ppid: number;
  /** utime + stime + cutime + cstime, ticks: its own threads and its reaped children. */
  ticks: number;
}

/** One pass over /proc: pid → parent and CPU ticks (with reaped children's). */
function procTable(): Map<number, ProcStat> {
  const table = new Map<number, ProcStat>();
  let names: string[];
  try {
    names = fs.readdirSync('/proc');
  } catch {
    return table; // no /proc (not Linux): every figure is NaN
  }
  for (const name of names) {
    const c = name.charCodeAt(0);
    if (c < 48 || c > 57) continue;
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
    } catch {
      continue; // exited between readdir and read: its CPU moved to its parent's cutime
    }
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    table.set(Number(name), { ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]) });
  }
  return table;
}

/**
 * CPU µs of a process tree: the root and every live descendant (user + system), plus what the
 * exited and reaped ones used (cutime/cstime of their parents). PostgreSQL's postmaster and its
 * backends, or a Node process and anything it forked. A backend that exits inside a window keeps
 * counting (its time moves into the postmaster's cutime); NaN when the root is gone.
 */
export function treeCpuMicros(root: number, table = procTable()): number {
  if (!table.has(root)) return NaN;
  const children = new Map<number, number[]>();
  for (const [pid, s] of table) {
    const list = children.get(s.ppid);
    if (list) list.push(pid);
    else children.set(s.ppid, [pid]);
  }
  let ticks = 0;
  const stack = [root];
  while (stack.length) {
    const pid = stack.pop()!;
    ticks += table.get(pid)!.ticks;
    for (const c of children.get(pid) ?? []) stack.push(c);
  }
  return (ticks * 1e6) / TICKS_PER_S;
}

/** Named groups of server processes (each a list of tree roots): e.g. {node: [pid], valkey: [pid], pg: [postmaster]}. */
export type CpuGroups = Record<string, number[]>;
export type CpuSplit = Record<string, number>;

/**
 * Samples the CPU of named process trees from the harness (every `everyMs`) so a window given
 * by wall-clock times measured elsewhere (a load process's first send, a receiver's last frame)
 * can be read afterwards, linearly interpolated between samples: `between(startMs, endMs)`.
 * A sample reads every /proc/<pid>/stat (~4 ms of the harness's CPU with ~200 processes), so
 * the default is 4 per second; the measured processes pay nothing.
 */
export class CpuMeter {
  private samples: { t: number; v: CpuSplit }[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(private groups: CpuGroups, private everyMs = 250) {}

  sample(): void {
    const table = procTable();
    const v: CpuSplit = {};
    for (const [g, roots] of Object.entries(this.groups)) v[g] = roots.reduce((n, pid) => n + treeCpuMicros(pid, table), 0);
    this.samples.push({ t: Date.now(), v });
  }

  start(): this {
    this.sample();
    this.timer = setInterval(() => this.sample(), this.everyMs);
    this.timer.unref(); // a scenario that throws before stop() must not keep the harness alive
    return this;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.sample();
  }

  private at(t: number, g: string): number {
    const s = this.samples;
    if (!s.length) return NaN;
    if (t <= s[0].t) return s[0].v[g];
    for (let i = 1; i < s.length; i++) {
      if (s[i].t >= t) {
        const a = s[i - 1];
        const b = s[i];
        return b.t === a.t ? b.v[g] : a.v[g] + ((b.v[g] - a.v[g]) * (t - a.t)) / (b.t - a.t);
      }
    }
    return s[s.length - 1].v[g];
  }

  /** CPU µs per group between two epoch-ms times (inside the sampled span), and `total`. */
  between(startMs: number, endMs: number): CpuSplit {
    const out: CpuSplit = {};
    let total = 0;
    for (const g of Object.keys(this.groups)) {
      out[g] = this.at(endMs, g) - this.at(startMs, g);
      if (Number.isFinite(out[g])) total += out[g];
    }
    out.total = total;
    return out;
  }
}
