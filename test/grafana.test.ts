// ops/grafana/strata-dashboard.json cannot drift from the metrics: every metric its queries name
// is in the server's GET /metrics, every label they use is one that metric has, and every
// strata_* metric the server exports is on the dashboard. Plus the import contract: one
// ${DS_PROMETHEUS} datasource input, used by every panel and query.
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeStack, type TestStack } from './helpers/app.js';
import { WsClient } from './helpers/ws-client.js';

type Json = Record<string, any>;

const dashboard = JSON.parse(fs.readFileSync('ops/grafana/strata-dashboard.json', 'utf8')) as Json;

/** Labels Prometheus adds to every scraped series. */
const TARGET_LABELS = ['job', 'instance'];
const KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'and', 'or', 'unless', 'offset', 'bool']);

function allPanels(panels: Json[] = dashboard.panels): Json[] {
  return panels.flatMap((p) => [p, ...allPanels(p.panels ?? [])]);
}

const exprs = allPanels().flatMap((p) => (p.targets ?? []).map((t: Json) => t.expr as string));
const variableQueries = (dashboard.templating.list as Json[]).map((v) => (typeof v.query === 'string' ? v.query : v.query.query) as string);

interface Use {
  metric: string;
  labels: string[];
}

/** Metric names in a PromQL expression, each with the labels its own selector matches on. */
function selectors(expr: string): Use[] {
  const uses: Use[] = [];
  // strings, ranges and grouping clauses out; then functions are identifiers followed by `(`,
  // metrics are the rest: `name{matchers}` or a bare `name`
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\[[^\]]*\]/g, '')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '');
  for (const [, name, next] of stripped.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(\{[^}]*\}|\()?/g)) {
    if (next === '(' || KEYWORDS.has(name)) continue;
    const labels = next ? [...next.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)/g)].map((l) => l[1]) : [];
    uses.push({ metric: name, labels });
  }
  return uses;
}

/** Labels named in `by (…)` / `without (…)` / `on (…)` clauses. */
function groupingLabels(expr: string): string[] {
  return [...expr.matchAll(/\b(?:by|without|on|ignoring)\s*\(([^)]*)\)/g)].flatMap((m) => m[1].split(',').map((s) => s.trim()).filter(Boolean));
}

let stack: TestStack;
let exported: Map<string, { type: string; labels: string[] }>;

beforeAll(async () => {
  // With workers (persist metrics, the backlog gauge) and a socket closed by the server (strata_ws_closed).
  stack = await makeStack({ gateway: { maxFrameBytes: 1024 } });
  await stack.app.listen({ port: 0, host: '127.0.0.1' });
  const ws = await WsClient.connect(`http://127.0.0.1:${(stack.app.server.address() as AddressInfo).port}`, await stack.token('alice'));
  ws.send('x'.repeat(2048));
  await ws.closed;
  const text = (await stack.app.inject('/metrics')).body;
  exported = new Map();
  for (const [, name, type] of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    const metric = stack.deps.metrics.registry.getSingleMetric(name) as unknown as { labelNames?: string[] } | undefined;
    exported.set(name, { type, labels: metric?.labelNames ?? [] });
  }
});
afterAll(async () => {
  await stack?.close();
});

/** The exported metric a series name belongs to (histograms export name_bucket/_sum/_count). */
function family(series: string): { name: string; extra: string[] } | undefined {
  if (exported.has(series)) return { name: series, extra: [] };
  const m = /^(.*)_(bucket|sum|count)$/.exec(series);
  if (m && exported.get(m[1])?.type === 'histogram') return { name: m[1], extra: m[2] === 'bucket' ? ['le'] : [] };
  return undefined;
}

describe('Grafana dashboard (ops/grafana/strata-dashboard.json)', () => {
  it('queries only metrics the server exports at GET /metrics', () => {
    expect(exprs.length).toBeGreaterThan(20);
    const fromVariables = variableQueries.map((q) => /^label_values\(([a-zA-Z_:][\w:]*)/.exec(q)?.[1] ?? q);
    const unknown = [...exprs.flatMap(selectors).map((u) => u.metric), ...fromVariables].filter((name) => !family(name));
    expect(unknown).toEqual([]);
  });

  it('matches and groups only by labels those metrics have', () => {
    const problems: string[] = [];
    for (const expr of exprs) {
      const uses = selectors(expr);
      const known = new Set([...TARGET_LABELS, ...uses.flatMap((u) => {
        const f = family(u.metric);
        return f ? [...(exported.get(f.name)?.labels ?? []), ...f.extra] : [];
      })]);
      for (const u of uses) {
        const f = family(u.metric);
        if (!f) continue;
        const own = new Set([...TARGET_LABELS, ...(exported.get(f.name)?.labels ?? []), ...f.extra]);
        for (const l of u.labels) if (!own.has(l)) problems.push(`${u.metric} has no label ${l}: ${expr}`);
      }
      for (const l of groupingLabels(expr)) if (!known.has(l)) problems.push(`no metric of the expression has label ${l}: ${expr}`);
    }
    for (const q of variableQueries) {
      const m = /^label_values\(([a-zA-Z_:][\w:]*)(?:\{[^}]*\})?,\s*(\w+)\)$/.exec(q);
      if (!m) problems.push(`unexpected variable query ${q}`);
      else if (!TARGET_LABELS.includes(m[2]) && !exported.get(m[1])?.labels.includes(m[2])) problems.push(`${m[1]} has no label ${m[2]}`);
    }
    expect(problems).toEqual([]);
  });

  it('shows every strata_* metric the server exports', () => {
    const used = new Set([...exprs].flatMap(selectors).map((u) => family(u.metric)?.name));
    expect([...exported.keys()].filter((n) => n.startsWith('strata_') && !used.has(n))).toEqual([]);
  });

  it('takes its datasource from the ${DS_PROMETHEUS} input, everywhere', () => {
    expect(dashboard.__inputs).toEqual([expect.objectContaining({ name: 'DS_PROMETHEUS', type: 'datasource', pluginId: 'prometheus' })]);
    const ds = { type: 'prometheus', uid: '${DS_PROMETHEUS}' };
    for (const p of allPanels().filter((x) => x.type !== 'row')) {
      expect(p.datasource, p.title).toEqual(ds);
      for (const t of p.targets) expect(t.datasource, p.title).toEqual(ds);
    }
    for (const v of dashboard.templating.list) expect(v.datasource).toEqual(ds);
  });

  it('has unique panel ids and a layout inside the 24-column grid without overlaps', () => {
    const panels = allPanels();
    expect(new Set(panels.map((p) => p.id)).size).toBe(panels.length);
    const cells = new Set<string>();
    for (const { gridPos: g, title } of panels) {
      expect(g.x + g.w, title).toBeLessThanOrEqual(24);
      for (let x = g.x; x < g.x + g.w; x++) {
        for (let y = g.y; y < g.y + g.h; y++) {
          expect(cells.has(`${x},${y}`), `${title} overlaps at ${x},${y}`).toBe(false);
          cells.add(`${x},${y}`);
        }
      }
    }
  });
});
