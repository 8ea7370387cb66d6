import { equal, ok } from "node:assert/strict";
import { Registry, render } from "./registry.ts";

Deno.test("metrics registry - counters, gauges and histograms in Prometheus text", () => {
  const r = new Registry();
  const requests = r.counter("app_requests_total", "Requests.");
  const open = r.gauge("app_open", "Open.");
  const seconds = r.histogram("app_seconds", "Seconds.", [0.1, 1]);
  requests.inc({ route: "/chatkit", status: "200" });
  requests.inc({ status: "200", route: "/chatkit" }, 2);
  requests.inc({ route: "/health", status: "503" });
  open.inc();
  open.inc();
  open.dec();
  seconds.observe(0.05);
  seconds.observe(0.5);
  seconds.observe(3);
  const text = render([r.snapshot()]);
  ok(text.includes("# TYPE app_requests_total counter\n"), text);
  // Label order does not make a new series.
  ok(text.includes('app_requests_total{route="/chatkit",status="200"} 3\n'), text);
  ok(text.includes('app_requests_total{route="/health",status="503"} 1\n'), text);
  ok(text.includes("app_open 1\n"), text);
  ok(text.includes('app_seconds_bucket{le="0.1"} 1\n'), text);
  ok(text.includes('app_seconds_bucket{le="1"} 2\n'), text);
  ok(text.includes('app_seconds_bucket{le="+Inf"} 3\n'), text);
  ok(text.includes("app_seconds_sum 3.55\n"), text);
  ok(text.includes("app_seconds_count 3\n"), text);
});

Deno.test("metrics registry - snapshots of several workers add up in one scrape", () => {
  const make = () => {
    const r = new Registry();
    return { r, c: r.counter("x_total", "X."), h: r.histogram("x_seconds", "X.", [1]) };
  };
  const a = make();
  const b = make();
  a.c.inc({ k: "v" });
  b.c.inc({ k: "v" }, 4);
  b.c.inc({ k: "w" });
  a.h.observe(0.5);
  b.h.observe(2);
  // Snapshots cross a worker boundary by structured clone.
  const text = render([structuredClone(a.r.snapshot()), structuredClone(b.r.snapshot())]);
  ok(text.includes('x_total{k="v"} 5\n'), text);
  ok(text.includes('x_total{k="w"} 1\n'), text);
  ok(text.includes('x_seconds_bucket{le="1"} 1\nx_seconds_bucket{le="+Inf"} 2\n'), text);
  equal(text.match(/# TYPE x_total/g)?.length, 1);
});

Deno.test("metrics registry - label values are escaped", () => {
  const r = new Registry();
  r.counter("q_total", "Q.").inc({ route: 'a"b\\c\nd' });
  ok(render([r.snapshot()]).includes('q_total{route="a\\"b\\\\c\\nd"} 1'));
});
