// Shared statistics of the harness: latency samples and percentiles. Samples are kept whole
// (a Float64Array that grows), sorted once when summarized: exact percentiles, no buckets.

export interface Summary {
  n: number;
  mean: number;
  p50: number;
  p99: number;
  p999: number;
  max: number;
}

export class Samples {
  private buf: Float64Array;
  n = 0;

  constructor(capacity = 1024) {
    this.buf = new Float64Array(capacity);
  }

  add(v: number): void {
    if (this.n === this.buf.length) {
      const next = new Float64Array(this.buf.length * 2);
      next.set(this.buf);
      this.buf = next;
    }
    this.buf[this.n++] = v;
  }

  addAll(values: ArrayLike<number>): void {
    for (let i = 0; i < values.length; i++) this.add(values[i]);
  }

  /** A compact copy for IPC (structured clone of a typed array). */
  toArray(): Float64Array {
    return this.buf.slice(0, this.n);
  }

  summary(): Summary {
    return summarize(this.toArray());
  }
}

/** Nearest-rank percentile of an ascending array; q in [0, 1]. */
export function percentile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank];
}

export function summarize(values: ArrayLike<number>): Summary {
  const sorted = Float64Array.from(values).sort();
  let sum = 0;
  for (let i = 0; i < sorted.length; i++) sum += sorted[i];
  return {
    n: sorted.length,
    mean: sorted.length ? sum / sorted.length : NaN,
    p50: percentile(sorted, 0.5),
    p99: percentile(sorted, 0.99),
    p999: percentile(sorted, 0.999),
    max: sorted.length ? sorted[sorted.length - 1] : NaN,
  };
}

/** Counts per time bucket (epoch ms / width), mergeable across processes. */
export class Timeline {
  readonly counts = new Map<number, number>();
  constructor(readonly widthMs = 50) {}

  add(atMs: number, n = 1): void {
    const b = Math.floor(atMs / this.widthMs);
    this.counts.set(b, (this.counts.get(b) ?? 0) + n);
  }

  merge(entries: Iterable<[number, number]>): void {
    for (const [b, n] of entries) this.counts.set(b, (this.counts.get(b) ?? 0) + n);
  }

  /** Cumulative curve: [bucket end ms, total so far], ascending. */
  cumulative(): [number, number][] {
    const keys = [...this.counts.keys()].sort((a, b) => a - b);
    let total = 0;
    return keys.map((b) => [(b + 1) * this.widthMs, (total += this.counts.get(b)!)]);
  }
}
