/**
 * Statistics helpers of the benchmark: percentiles (nearest-rank on sorted samples), summaries and
 * number formatting for the Markdown table.
 * @module
 */

/** A summary of a sample of numbers (milliseconds, usually). */
export interface Summary {
  n: number;
  min: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

/**
 * The `q`-quantile (0..1) of the samples by the nearest-rank method: the smallest sample such that
 * at least `q` of all samples are less than or equal to it. `NaN` for an empty sample.
 * `sorted` says the samples are already in ascending order (no copy, no sort).
 */
export function percentile(samples: readonly number[], q: number, sorted = false): number {
  if (samples.length === 0) return NaN;
  if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile must be within 0..1, got ${q}`);
  const values = sorted ? samples : [...samples].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil(q * values.length));
  return values[rank - 1];
}

/** Summarises a sample (all fields `NaN` when it is empty). */
export function summarize(samples: readonly number[]): Summary {
  const values = [...samples].sort((a, b) => a - b);
  const n = values.length;
  let total = 0;
  for (const v of values) total += v;
  return {
    n,
    min: n ? values[0] : NaN,
    p50: percentile(values, 0.5, true),
    p90: percentile(values, 0.9, true),
    p99: percentile(values, 0.99, true),
    max: n ? values[n - 1] : NaN,
    mean: n ? total / n : NaN,
  };
}

/** `a / b`, or `NaN` when `b` is zero or either is not a number. */
export function ratio(a: number, b: number): number {
  return Number.isFinite(a) && Number.isFinite(b) && b !== 0 ? a / b : NaN;
}

/** A number for the table: `—` when not a number, else rounded to `digits` decimals. */
export function fmt(value: number | undefined, digits = 1): string {
  if (value === undefined || !Number.isFinite(value)) return "—";
  return value.toFixed(digits);
}

/** Milliseconds with a precision that suits their size. */
export function ms(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return "—";
  const abs = Math.abs(value);
  return `${value.toFixed(abs < 10 ? 2 : abs < 100 ? 1 : 0)} ms`;
}

/** Bytes as B / KiB / MiB. */
export function bytes(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return "—";
  if (Math.abs(value) < 1024) return `${Math.round(value)} B`;
  if (Math.abs(value) < 1024 * 1024) return `${(value / 1024).toFixed(1)} KiB`;
  return `${(value / 1024 / 1024).toFixed(1)} MiB`;
}
