import { deepEqual, equal, ok, throws } from "node:assert/strict";
import { bytes, fmt, ms, percentile, ratio, summarize } from "./stats.ts";

Deno.test("percentile - nearest rank on an unsorted sample", () => {
  const values = [5, 1, 4, 2, 3, 10, 9, 8, 7, 6];
  equal(percentile(values, 0.5), 5);
  equal(percentile(values, 0.9), 9);
  equal(percentile(values, 0.99), 10);
  equal(percentile(values, 1), 10);
  equal(percentile(values, 0), 1);
});

Deno.test("percentile - p99 of 100 samples is the 99th smallest", () => {
  const values = Array.from({ length: 100 }, (_, i) => 100 - i);
  equal(percentile(values, 0.99), 99);
  equal(percentile(values, 0.5), 50);
});

Deno.test("percentile - leaves the input unsorted and answers NaN when empty", () => {
  const values = [3, 1, 2];
  percentile(values, 0.5);
  deepEqual(values, [3, 1, 2]);
  ok(Number.isNaN(percentile([], 0.5)));
  throws(() => percentile(values, 1.5), RangeError);
});

Deno.test("summarize - min, max, mean and percentiles", () => {
  const s = summarize([4, 2, 8, 6]);
  deepEqual(s, { n: 4, min: 2, p50: 4, p90: 8, p99: 8, max: 8, mean: 5 });
  ok(Number.isNaN(summarize([]).p50));
});

Deno.test("ratio and formatters - not-a-number shows as a dash", () => {
  equal(ratio(1, 0), NaN);
  equal(ratio(3, 4), 0.75);
  equal(fmt(NaN), "—");
  equal(fmt(1.234, 2), "1.23");
  equal(ms(1.234), "1.23 ms");
  equal(ms(123.4), "123 ms");
  equal(bytes(512), "512 B");
  equal(bytes(2048), "2.0 KiB");
});
