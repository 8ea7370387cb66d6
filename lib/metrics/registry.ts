/**
 * A small Prometheus registry: counters, gauges and histograms with labels, rendered in the
 * text exposition format. Its state is a plain, structured-clone-able snapshot, so that one
 * scrape can cover several workers of an instance: each worker sends `snapshot()` and the one
 * answering `/metrics` renders `render([mine, ...theirs])`, which adds them up.
 * @module
 */

export type Labels = Record<string, string>;
type Kind = "counter" | "gauge" | "histogram";

/** One metric's state: label set (as a key) → value or histogram. */
export interface MetricSnapshot {
  name: string;
  help: string;
  kind: Kind;
  buckets?: number[];
  series: { labels: Labels; value?: number; counts?: number[]; sum?: number; count?: number }[];
}

interface Series {
  labels: Labels;
  value: number;
  counts: number[];
  sum: number;
  count: number;
}

abstract class Metric {
  protected series = new Map<string, Series>();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly kind: Kind,
    readonly buckets?: number[],
  ) {}

  protected get(labels: Labels): Series {
    const key = JSON.stringify(Object.entries(labels).sort(([a], [b]) => a.localeCompare(b)));
    let series = this.series.get(key);
    if (!series) {
      series = { labels, value: 0, counts: (this.buckets ?? []).map(() => 0), sum: 0, count: 0 };
      this.series.set(key, series);
    }
    return series;
  }

  snapshot(): MetricSnapshot {
    return {
      name: this.name,
      help: this.help,
      kind: this.kind,
      ...(this.buckets ? { buckets: this.buckets } : {}),
      series: [...this.series.values()].map((s) =>
        this.kind === "histogram"
          ? { labels: s.labels, counts: [...s.counts], sum: s.sum, count: s.count }
          : { labels: s.labels, value: s.value }
      ),
    };
  }
}

/** A value that only goes up. */
export class Counter extends Metric {
  constructor(name: string, help: string) {
    super(name, help, "counter");
  }
  inc(labels: Labels = {}, by = 1): void {
    this.get(labels).value += by;
  }
}

/** A value that goes up and down. */
export class Gauge extends Metric {
  constructor(name: string, help: string) {
    super(name, help, "gauge");
  }
  inc(labels: Labels = {}, by = 1): void {
    this.get(labels).value += by;
  }
  dec(labels: Labels = {}, by = 1): void {
    this.get(labels).value -= by;
  }
}

/** Observations counted into cumulative buckets (upper bounds, ascending). */
export class Histogram extends Metric {
  constructor(name: string, help: string, buckets: number[]) {
    super(name, help, "histogram", buckets);
  }
  observe(value: number, labels: Labels = {}): void {
    const series = this.get(labels);
    this.buckets!.forEach((bound, i) => {
      if (value <= bound) series.counts[i]++;
    });
    series.sum += value;
    series.count++;
  }
}

/** A set of metrics. */
export class Registry {
  #metrics: Metric[] = [];

  counter(name: string, help: string): Counter {
    return this.#add(new Counter(name, help));
  }
  gauge(name: string, help: string): Gauge {
    return this.#add(new Gauge(name, help));
  }
  histogram(name: string, help: string, buckets: number[]): Histogram {
    return this.#add(new Histogram(name, help, buckets));
  }

  snapshot(): MetricSnapshot[] {
    return this.#metrics.map((m) => m.snapshot());
  }

  #add<M extends Metric>(metric: M): M {
    this.#metrics.push(metric);
    return metric;
  }
}

/** Renders one or more snapshots (of the same metrics) as Prometheus text, summed. */
export function render(snapshots: MetricSnapshot[][]): string {
  const merged = new Map<string, MetricSnapshot>();
  for (const snapshot of snapshots) {
    for (const metric of snapshot) {
      const into = merged.get(metric.name);
      if (!into) {
        merged.set(metric.name, structuredClone(metric));
        continue;
      }
      for (const series of metric.series) {
        const key = labelText(series.labels);
        const same = into.series.find((s) => labelText(s.labels) === key);
        if (!same) into.series.push(structuredClone(series));
        else if (metric.kind === "histogram") {
          series.counts!.forEach((c, i) => same.counts![i] += c);
          same.sum! += series.sum!;
          same.count! += series.count!;
        } else same.value! += series.value!;
      }
    }
  }
  const lines: string[] = [];
  for (const metric of merged.values()) {
    lines.push(`# HELP ${metric.name} ${metric.help}`, `# TYPE ${metric.name} ${metric.kind}`);
    for (const s of metric.series) {
      if (metric.kind !== "histogram") {
        lines.push(`${metric.name}${labelText(s.labels)} ${s.value}`);
        continue;
      }
      metric.buckets!.forEach((bound, i) => {
        lines.push(
          `${metric.name}_bucket${labelText({ ...s.labels, le: String(bound) })} ${s.counts![i]}`,
        );
      });
      lines.push(`${metric.name}_bucket${labelText({ ...s.labels, le: "+Inf" })} ${s.count}`);
      lines.push(`${metric.name}_sum${labelText(s.labels)} ${s.sum}`);
      lines.push(`${metric.name}_count${labelText(s.labels)} ${s.count}`);
    }
  }
  return lines.join("\n") + "\n";
}

function labelText(labels: Labels): string {
  const entries = Object.entries(labels);
  if (entries.length === 0) return "";
  const escape = (v: string) => v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
  return `{${entries.map(([k, v]) => `${k}="${escape(v)}"`).join(",")}}`;
}
