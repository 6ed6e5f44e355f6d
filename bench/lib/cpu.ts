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
