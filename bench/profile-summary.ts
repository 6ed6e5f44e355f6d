// Summarizes a V8 .cpuprofile (node --cpu-prof, e.g. from `strata bench --profile <dir>`):
// self time per function and per package, top N. Usage: npx tsx bench/profile-summary.ts <file> [N]
import fs from 'node:fs';

interface Node { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }
interface Profile { nodes: Node[]; samples: number[]; timeDeltas: number[]; startTime: number; endTime: number }

export function summarizeProfile(file: string, top = 25): string {
  const p = JSON.parse(fs.readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  p.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (p.timeDeltas[i] ?? 0)));
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const fn = new Map<string, number>();
  const pkg = new Map<string, number>();
  for (const [id, us] of self) {
    const cf = byId.get(id)!.callFrame;
    const url = cf.url.replace(/^file:\/\//, '');
    const key = `${cf.functionName || '(anon)'} ${url.split('/').slice(-2).join('/')}:${cf.lineNumber + 1}`;
    fn.set(key, (fn.get(key) ?? 0) + us);
    const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
    const group = m ? m[1] : url.startsWith('node:') ? url : url.includes('/src/') ? `src/${url.split('/src/')[1].split('/')[0]}` : cf.functionName.startsWith('(') ? cf.functionName : url ? 'other' : '(native)';
    pkg.set(group, (pkg.get(group) ?? 0) + us);
  }
  const fmt = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]).slice(0, top)
    .map(([k, us]) => `${((us / total) * 100).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(7)} ms  ${k}`).join('\n');
  return `profile ${file}: ${(total / 1e6).toFixed(2)} s sampled\n-- by package --\n${fmt(pkg)}\n-- by function (self) --\n${fmt(fn)}`;
}

if (process.argv[1]?.endsWith('profile-summary.ts')) console.log(summarizeProfile(process.argv[2], Number(process.argv[3] ?? 25)));
