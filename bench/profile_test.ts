import { equal } from "node:assert/strict";
import { bucketOf, summarize } from "./profile.ts";

const frame = (url: string, functionName = "f") => ({ functionName, url, lineNumber: 0 });

Deno.test("bucketOf - names npm packages, project files and runtime code", () => {
  equal(
    bucketOf(frame("file:///x/node_modules/.deno/openai@7.57.0/node_modules/openai/core.mjs")),
    "npm:openai",
  );
  equal(
    bucketOf(
      frame(
        "file:///x/node_modules/.deno/@openai+agents-core@0.20.0/node_modules/@openai/agents-core/dist/run.mjs",
      ),
    ),
    "npm:@openai/agents-core",
  );
  equal(bucketOf(frame("file:///work/main/lib/chatkit/server.ts")), "lib/chatkit/server.ts");
  equal(bucketOf(frame("ext:deno_web/06_streams.js")), "runtime ext:deno_web/06_streams.js");
  equal(bucketOf(frame("", "(garbage collector)")), "(garbage collector)");
  equal(bucketOf(frame("", "verify")), "(native)");
});

Deno.test("summarize - charges runtime time to the nearest package that called it", () => {
  const profile = {
    nodes: [
      { id: 1, callFrame: frame("", "(root)"), children: [2, 4] },
      { id: 2, callFrame: frame("file:///x/node_modules/openai/a.mjs"), children: [3] },
      { id: 3, callFrame: frame("ext:deno_web/06_streams.js") },
      { id: 4, callFrame: frame("", "(idle)") },
    ],
    samples: [3, 3, 2, 4],
    timeDeltas: [0, 1000, 1000, 1000, 1000],
    startTime: 0,
    endTime: 4000,
  };
  const s = summarize(profile);
  equal(s.busyMs, 3);
  equal(s.attributed[0].bucket, "npm:openai");
  equal(s.attributed[0].ms, 3);
  equal(s.self[0].bucket, "runtime ext:deno_web/06_streams.js");
});
