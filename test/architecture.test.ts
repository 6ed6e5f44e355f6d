// Architecture rules as a test, so `npm test` enforces them as well as `npm run arch`:
// 1. the dependency-cruiser rules of .dependency-cruiser.cjs over src/;
// 2. no cycles between the top-level folders of src/ (dependency-cruiser has no rule for that):
//    every module collapses to `src/<folder>` (a root file such as src/deps.ts is its own node),
//    test-support files are left out, and Tarjan's algorithm finds the strongly connected parts.
// Each check is also shown to fail, on a probe file written into src/ for the length of one
// cruise (named __arch_probe_<pid>__, which the config excludes, so concurrent runs of
// `npm run arch` or of this test never see another run's probe).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { cruise, type ICruiseOptions, type ICruiseResult, type IViolation } from 'dependency-cruiser';
import extractDepcruiseOptions from 'dependency-cruiser/config-utl/extract-depcruise-options';
import extractTSConfig from 'dependency-cruiser/config-utl/extract-ts-config';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CONFIG = path.join(ROOT, '.dependency-cruiser.cjs');
const TEST_SUPPORT = /\.(test|contract|cases|test-kit)\.ts$/; // as in .dependency-cruiser.cjs

/**
 * Folder edges that close a cycle today and wait for the restructure. Each must still close a
 * cycle (else delete it here); any other cycle fails.
 *  - archive -> deps.ts: src/archive/routes.ts takes the whole Deps, while deps.ts holds the
 *    Archive port of archive/archive.ts.
 */
const KNOWN_FOLDER_CYCLE_EDGES: [string, string][] = [];

async function cruiseSrc(opts: { withProbes?: boolean } = {}): Promise<ICruiseResult> {
  const options: ICruiseOptions = { ...(await extractDepcruiseOptions(CONFIG)), baseDir: ROOT, validate: true };
  if (opts.withProbes) delete options.exclude;
  const tsConfig = extractTSConfig(path.join(ROOT, 'tsconfig.json'));
  const { output } = await cruise(['src'], options, {}, { tsConfig });
  if (typeof output === 'string') throw new Error('dependency-cruiser returned a string, expected a result object');
  return output;
}

function violationKey(v: IViolation): string {
  const cycle = v.cycle?.length ? ` via ${v.cycle.map((c) => c.name).join(' → ')}` : '';
  return `${v.rule.name}: ${v.from} → ${v.to}${cycle}`;
}

function describeViolations(result: ICruiseResult, violations: IViolation[]): string {
  const comments = new Map((result.summary.ruleSetUsed?.forbidden ?? []).map((r) => [r.name, r.comment ?? '']));
  return violations.map((v) => `  ${violationKey(v)}\n      why: ${comments.get(v.rule.name) ?? ''}`).join('\n');
}

const isSrcRuntime = (p: string) => p.startsWith('src/') && !TEST_SUPPORT.test(p);
const folderOf = (p: string) => /^src\/[^/]+(?=\/)/.exec(p)?.[0] ?? p;

/** Folder graph of src/ runtime code; each edge keeps one module-level import as its example. */
function folderGraph(result: ICruiseResult): Map<string, Map<string, string>> {
  const graph = new Map<string, Map<string, string>>();
  for (const m of result.modules) {
    if (!isSrcRuntime(m.source)) continue;
    for (const d of m.dependencies) {
      if (!isSrcRuntime(d.resolved)) continue;
      const from = folderOf(m.source);
      const to = folderOf(d.resolved);
      if (from === to) continue;
      if (!graph.has(from)) graph.set(from, new Map());
      if (!graph.has(to)) graph.set(to, new Map());
      const out = graph.get(from)!;
      if (!out.has(to)) out.set(to, `${m.source} → ${d.resolved}`);
    }
  }
  return graph;
}

/** Strongly connected components with more than one folder (Tarjan). */
function folderCycles(graph: Map<string, Map<string, string>>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (v: string) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v)?.keys() ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1) cycles.push(component.sort());
    }
  };
  for (const v of [...graph.keys()].sort()) if (!index.has(v)) visit(v);
  return cycles;
}

function describeCycles(graph: Map<string, Map<string, string>>, cycles: string[][]): string {
  return cycles
    .map((c) => {
      const members = new Set(c);
      const edges = c.flatMap((from) =>
        [...(graph.get(from) ?? [])].filter(([to]) => members.has(to)).map(([to, example]) => `    ${from} → ${to}   (e.g. ${example})`),
      );
      return `  cycle between ${c.join(', ')}:\n${edges.join('\n')}`;
    })
    .join('\n');
}

function withoutEdges(graph: Map<string, Map<string, string>>, edges: [string, string][]): Map<string, Map<string, string>> {
  const copy = new Map([...graph].map(([k, v]) => [k, new Map(v)]));
  for (const [from, to] of edges) copy.get(from)?.delete(to);
  return copy;
}

/** Writes a probe into src/ for the length of fn, and removes it whatever happens. */
async function withProbe<T>(relPath: string, source: string, fn: () => Promise<T>): Promise<T> {
  const file = path.join(ROOT, relPath);
  fs.writeFileSync(file, source);
  try {
    return await fn();
  } finally {
    fs.rmSync(file, { force: true });
  }
}

const probeName = (folder: string) => `src/${folder}/__arch_probe_${process.pid}__.ts`;

describe('architecture', () => {
  it('src/ follows the dependency rules of .dependency-cruiser.cjs', async () => {
    const result = await cruiseSrc();
    const found = result.summary.violations;
    expect(found.map(violationKey), `dependency rules broken:\n${describeViolations(result, found)}`).toEqual([]);
  });

  it('the top-level folders of src/ have no cycles', async () => {
    const graph = folderGraph(await cruiseSrc());
    const cycles = folderCycles(withoutEdges(graph, KNOWN_FOLDER_CYCLE_EDGES));
    expect(cycles, `cycles between folders of src/:\n${describeCycles(graph, cycles)}`).toEqual([]);
    const all = folderCycles(graph);
    const stale = KNOWN_FOLDER_CYCLE_EDGES.filter(([from, to]) => !all.some((c) => c.includes(from) && c.includes(to)) || !graph.get(from)?.has(to));
    expect(stale, 'these folder edges no longer close a cycle: delete them from KNOWN_FOLDER_CYCLE_EDGES').toEqual([]);
  });

  it('the rules fire: a domain module importing an SQL adapter fails no-adapters-outside-main', async () => {
    const probe = probeName('messages');
    const source = "import type { SqlStore } from '../store/sql/sql-store.js';\n\nexport type Probe = SqlStore;\n";
    const result = await withProbe(probe, source, () => cruiseSrc({ withProbes: true }));
    const mine = result.summary.violations.filter((v) => v.from === probe);
    expect(mine.map((v) => `${v.rule.name}: ${v.from} → ${v.to}`)).toEqual([`no-adapters-outside-main: ${probe} → src/store/sql/sql-store.ts`]);
  });

  it('the folder check fires: model → store while store → model is a cycle no-circular cannot see', async () => {
    const probe = probeName('model');
    const source = "import type { Store } from '../store/store.js';\n\nexport type Probe = Store;\n";
    const result = await withProbe(probe, source, () => cruiseSrc({ withProbes: true }));
    // No module cycle (nothing imports the probe), so dependency-cruiser's rules stay silent...
    expect(result.summary.violations.filter((v) => v.from === probe)).toEqual([]);
    // ...and the folder graph has the cycle.
    const cycles = folderCycles(withoutEdges(folderGraph(result), KNOWN_FOLDER_CYCLE_EDGES));
    expect(cycles.some((c) => c.includes('src/model') && c.includes('src/store'))).toBe(true);
    expect(describeCycles(folderGraph(result), cycles)).toContain(`${probe} → src/store/store.ts`);
  });
});
