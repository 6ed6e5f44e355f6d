// Results of one run: figures (each beside its same-run baseline and the ratio), correctness
// checks, the printed table, the JSON document and the SVG chart.

export interface Row {
  scenario: string;
  /** What was measured: "strata valkey-pg REST", "baseline bare ws corked", … */
  subject: string;
  metric: string;
  value: number;
  unit: string;
  /** The same-run baseline this figure is compared with, and value / baseline. */
  baseline?: { subject: string; value: number };
  ratio?: number;
  /** The issue's goal for this ratio or figure, e.g. ">= 0.5". */
  goal?: string;
  met?: boolean;
  note?: string;
}

export interface Check {
  scenario: string;
  name: string;
  ok: boolean;
  detail: string;
}

export class Results {
  rows: Row[] = [];
  checks: Check[] = [];
  skipped: { scenario: string; reason: string }[] = [];
  errors: { scenario: string; error: string }[] = [];
  latency: { scenario: string; subject: string; p50: number; p99: number; p999?: number }[] = [];

  add(row: Row): Row {
    if (row.baseline && row.ratio === undefined && row.baseline.value > 0) row.ratio = row.value / row.baseline.value;
    this.rows.push(row);
    return row;
  }

  check(scenario: string, name: string, ok: boolean, detail: string): void {
    this.checks.push({ scenario, name, ok, detail });
  }

  get failed(): boolean {
    return this.errors.length > 0 || this.checks.some((c) => !c.ok);
  }
}

export function fmt(v: number, unit = ''): string {
  if (!Number.isFinite(v)) return '—';
  const a = Math.abs(v);
  const s = a >= 100_000 ? `${(v / 1000).toFixed(0)}k` : a >= 10_000 ? `${(v / 1000).toFixed(1)}k` : a >= 100 ? v.toFixed(0) : a >= 10 ? v.toFixed(1) : a >= 1 ? v.toFixed(2) : v.toFixed(3);
  return unit ? `${s} ${unit}` : s;
}

function pad(s: string, n: number, right = false): string {
  return right ? s.padStart(n) : s.padEnd(n);
}

export function table(res: Results): string {
  const head = ['scenario', 'subject', 'metric', 'value', 'baseline (same run)', 'ratio', 'goal'];
  const body = res.rows.map((r) => [
    r.scenario, r.subject, r.metric, fmt(r.value, r.unit),
    r.baseline ? `${r.baseline.subject}: ${fmt(r.baseline.value, r.unit)}` : '',
    r.ratio !== undefined ? r.ratio.toFixed(2) : '',
    r.goal ? `${r.goal} ${r.met ? 'MET' : 'MISSED'}` : '',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => pad(c, widths[i], i === 3 || i === 5)).join('  ');
  const out = [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)];
  out.push('');
  for (const c of res.checks) out.push(`${c.ok ? 'ok  ' : 'FAIL'}  ${c.scenario}: ${c.name} — ${c.detail}`);
  for (const s of res.skipped) out.push(`skip  ${s.scenario}: ${s.reason}`);
  for (const e of res.errors) out.push(`ERROR ${e.scenario}: ${e.error}`);
  return out.join('\n');
}

/** Markdown version of the table (README). */
export function markdown(res: Results): string {
  const lines = ['| scenario | subject | metric | value | baseline (same run) | ratio | goal |', '| --- | --- | --- | ---: | --- | ---: | --- |'];
  for (const r of res.rows) {
    lines.push(`| ${r.scenario} | ${r.subject} | ${r.metric} | ${fmt(r.value, r.unit)} | ${r.baseline ? `${r.baseline.subject}: ${fmt(r.baseline.value, r.unit)}` : ''} | ${r.ratio !== undefined ? r.ratio.toFixed(2) : ''} | ${r.goal ? `${r.goal} ${r.met ? '✅' : '❌'}` : ''} |`);
  }
  return lines.join('\n');
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * SVG chart, written by hand: left, every throughput figure that has a baseline as a bar of
 * its ratio to that baseline (the baseline is the 1.0 line); right, latency percentiles on a
 * log scale per subject.
 */
export function svg(res: Results, title: string): string {
  const ratios = res.rows.filter((r) => r.ratio !== undefined && r.unit === '/s');
  const lat = res.latency;
  const rowH = 22;
  const leftW = 620;
  const rightW = 560;
  const top = 60;
  const h1 = top + Math.max(ratios.length, lat.length) * rowH + 60;
  // Below: server CPU per unit of work (issue #16), one group per scenario and unit, Strata's bars beside its peers'
  const cpuRows = res.rows.filter((r) => r.unit === 'µs' && /CPU/.test(r.metric) && !/vs 1 node/.test(r.metric) && r.scenario !== 'goals #16' && Number.isFinite(r.value) && r.value > 0);
  const groups = new Map<string, Row[]>();
  for (const r of cpuRows) groups.set(`${r.scenario} · ${r.metric}`, [...(groups.get(`${r.scenario} · ${r.metric}`) ?? []), r]);
  const cpuH = groups.size ? 40 + [...groups.values()].reduce((n, g) => n + (g.length + 1) * rowH, 0) + 30 : 0;
  const h = h1 + cpuH;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${leftW + rightW + 40}" height="${h}" font-family="sans-serif" font-size="11">`);
  out.push(`<rect width="100%" height="100%" fill="white"/>`);
  out.push(`<text x="10" y="20" font-size="15" font-weight="bold">${esc(title)}</text>`);
  // Left: ratios to the same-run baseline.
  const labelW = 300;
  const barMax = leftW - labelW - 60;
  const maxRatio = Math.max(1.2, ...ratios.map((r) => r.ratio!));
  const sx = (v: number) => labelW + (Math.min(v, maxRatio) / maxRatio) * barMax;
  out.push(`<text x="10" y="44" font-weight="bold">throughput as a ratio of its same-run baseline (line = 1.0)</text>`);
  ratios.forEach((r, i) => {
    const y = top + i * rowH;
    const color = r.met === false ? '#d9534f' : r.met ? '#5cb85c' : '#5b8def';
    out.push(`<text x="10" y="${y + 14}">${esc(`${r.scenario}: ${r.subject} ${r.metric}`.slice(0, 52))}</text>`);
    out.push(`<rect x="${labelW}" y="${y + 3}" width="${Math.max(1, sx(r.ratio!) - labelW)}" height="${rowH - 8}" fill="${color}"/>`);
    out.push(`<text x="${sx(r.ratio!) + 4}" y="${y + 14}">${r.ratio!.toFixed(2)} (${esc(fmt(r.value, r.unit))} vs ${esc(fmt(r.baseline!.value, r.unit))})</text>`);
  });
  out.push(`<line x1="${sx(1)}" y1="${top - 4}" x2="${sx(1)}" y2="${top + ratios.length * rowH}" stroke="black" stroke-dasharray="4 3"/>`);
  // Right: latency percentiles, log scale 0.1 ms … 10 s.
  const x0 = leftW + 20;
  const lab2 = 230;
  const w2 = rightW - lab2 - 20;
  const lx = (ms: number) => x0 + lab2 + ((Math.log10(Math.max(ms, 0.1)) + 1) / 5) * w2;
  out.push(`<text x="${x0}" y="44" font-weight="bold">latency, ms (log): p50 ● p99 ◆ p999 ▲</text>`);
  for (const t of [0.1, 1, 10, 100, 1000, 10000]) {
    out.push(`<line x1="${lx(t)}" y1="${top - 4}" x2="${lx(t)}" y2="${top + lat.length * rowH}" stroke="#ddd"/>`);
    out.push(`<text x="${lx(t) - 8}" y="${top + lat.length * rowH + 14}">${t}</text>`);
  }
  lat.forEach((l, i) => {
    const y = top + i * rowH + 11;
    out.push(`<text x="${x0}" y="${y + 4}">${esc(`${l.scenario}: ${l.subject}`.slice(0, 40))}</text>`);
    out.push(`<line x1="${lx(l.p50)}" y1="${y}" x2="${lx(l.p999 ?? l.p99)}" y2="${y}" stroke="#999"/>`);
    out.push(`<circle cx="${lx(l.p50)}" cy="${y}" r="4" fill="#5b8def"/>`);
    out.push(`<rect x="${lx(l.p99) - 4}" y="${y - 4}" width="8" height="8" fill="#f0ad4e" transform="rotate(45 ${lx(l.p99)} ${y})"/>`);
    if (l.p999 !== undefined) out.push(`<path d="M${lx(l.p999) - 5},${y + 4} L${lx(l.p999) + 5},${y + 4} L${lx(l.p999)},${y - 5} Z" fill="#d9534f"/>`);
  });
  if (groups.size) {
    // log scale 0.1 µs … 100,000 µs
    const cx = (us: number) => labelW + ((Math.log10(Math.max(us, 0.1)) + 1) / 6) * (leftW + rightW - labelW - 120);
    let y = h1 + 10;
    out.push(`<text x="10" y="${y + 14}" font-weight="bold">server CPU per unit of work, µs (log; user + system of the server processes, /proc): Strata blue, peers and baselines grey</text>`);
    y += 30;
    const gridTop = y;
    for (const [name, rows] of groups) {
      out.push(`<text x="10" y="${y + 14}" font-weight="bold">${esc(name.slice(0, 60))}</text>`);
      y += rowH;
      for (const r of rows) {
        const strata = r.subject.startsWith('strata');
        out.push(`<text x="20" y="${y + 14}">${esc(r.subject.slice(0, 48))}</text>`);
        out.push(`<rect x="${labelW}" y="${y + 3}" width="${Math.max(1, cx(r.value) - labelW)}" height="${rowH - 8}" fill="${strata ? '#5b8def' : '#aaa'}"/>`);
        out.push(`<text x="${cx(r.value) + 4}" y="${y + 14}">${esc(fmt(r.value, r.unit))}</text>`);
        y += rowH;
      }
    }
    for (const t of [1, 10, 100, 1000, 10000]) {
      out.push(`<line x1="${cx(t)}" y1="${gridTop}" x2="${cx(t)}" y2="${y}" stroke="#ddd"/>`);
      out.push(`<text x="${cx(t) - 8}" y="${y + 14}">${t}</text>`);
    }
  }
  out.push('</svg>');
  return out.join('\n');
}
