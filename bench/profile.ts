/**
 * Reads the V8 CPU profile the app wrote (`deno run --cpu-prof`) and tells where its time went:
 * self time and inclusive time per package / project file, and the hottest functions.
 *
 * Usage on its own: `deno run -A bench/profile.ts <dir-or-file.cpuprofile>`.
 * @module
 */

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** Where a function lives: an npm package, a project file, the runtime, or a V8 pseudo-frame. */
export function bucketOf(frame: CallFrame): string {
  const url = frame.url;
  if (!url) {
    return frame.functionName.startsWith("(") ? frame.functionName : "(native)";
  }
  const npm = url.match(/node_modules\/(?:\.deno\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/@]+)/);
  if (npm) return `npm:${npm[1]}`;
  const project = url.match(/^file:\/\/.*?\/((?:lib|routes|bench|tests)\/.+)$/);
  if (project) return project[1];
  if (url.startsWith("ext:")) return `runtime ${url.split("/")[0]}/${url.split("/")[1] ?? ""}`;
  if (url.startsWith("node:")) return "runtime node:";
  return url.replace(/^file:\/\/\/work\/main\//, "");
}

/** Whether a bucket is the runtime itself (its time is charged to the code that called it). */
function isRuntime(bucket: string): boolean {
  return bucket.startsWith("runtime ") || bucket === "(native)";
}

export interface ProfileSummary {
  file: string;
  sampledMs: number;
  busyMs: number;
  /** Runtime and native time charged to the nearest package or project file that called it. */
  attributed: { bucket: string; ms: number; share: number }[];
  self: { bucket: string; ms: number; share: number }[];
  inclusive: { bucket: string; ms: number; share: number }[];
  functions: { name: string; ms: number; share: number }[];
  markdown: string;
}

/** Summarises one profile. Shares are of the busy time (idle excluded). */
/** A part of the profile, in ms since the profile started. */
export interface Window {
  name: string;
  fromMs: number;
  toMs: number;
}

export function summarize(
  profile: CpuProfile,
  file = "",
  window?: Window,
): ProfileSummary {
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const node of profile.nodes) {
    byId.set(node.id, node);
    for (const child of node.children ?? []) parent.set(child, node.id);
  }
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const functions = new Map<string, number>();
  const attributed = new Map<string, number>();
  let sampled = 0;
  let idle = 0;
  let at = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    at += (profile.timeDeltas[i] ?? 0) / 1000;
    const dt = (profile.timeDeltas[i + 1] ?? profile.timeDeltas[i] ?? 0) / 1000;
    if (window && (at < window.fromMs || at > window.toMs)) continue;
    const node = byId.get(profile.samples[i]);
    if (!node) continue;
    sampled += dt;
    const name = node.callFrame.functionName;
    if (name === "(idle)") {
      idle += dt;
      continue;
    }
    const bucket = bucketOf(node.callFrame);
    self.set(bucket, (self.get(bucket) ?? 0) + dt);
    const fn = `${name || "(anonymous)"} ${bucket}:${node.callFrame.lineNumber + 1}`;
    functions.set(fn, (functions.get(fn) ?? 0) + dt);
    const seen = new Set<string>();
    let owner: string | undefined;
    for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
      const b = bucketOf(byId.get(id)!.callFrame);
      if (b === "(root)") continue;
      seen.add(b);
      if (!owner && !isRuntime(b)) owner = b;
    }
    const charged = owner ??
      (bucket.startsWith("(") && bucket !== "(native)"
        ? bucket
        : "runtime with no JS caller (HTTP server, timers, I/O)");
    attributed.set(charged, (attributed.get(charged) ?? 0) + dt);
    for (const b of seen) inclusive.set(b, (inclusive.get(b) ?? 0) + dt);
  }
  const busy = sampled - idle;
  const top = (map: Map<string, number>, n: number) =>
    [...map.entries()].sort((a, b) => b[1] - a[1]).slice(0, n).map(([k, v]) => ({
      key: k,
      ms: v,
      share: busy > 0 ? v / busy : NaN,
    }));
  const selfTop = top(self, 15).map(({ key, ms, share }) => ({ bucket: key, ms, share }));
  const inclTop = top(inclusive, 15).map(({ key, ms, share }) => ({ bucket: key, ms, share }));
  const attrTop = top(attributed, 15).map(({ key, ms, share }) => ({ bucket: key, ms, share }));
  const fnTop = top(functions, 20).map(({ key, ms, share }) => ({ name: key, ms, share }));
  const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
  const lines = [
    `Profile ${file}${window ? ` — ${window.name}` : ""}: ${(busy / 1000).toFixed(1)} s busy of ${
      (sampled / 1000).toFixed(1)
    } s sampled.`,
    "",
    "| charged to (runtime time → its caller) | share | | self time | share | | inclusive (on the stack) | share |",
    "|---|---:|---|---|---:|---|---|---:|",
    ...Array.from({ length: Math.max(selfTop.length, inclTop.length, attrTop.length) }, (_, i) => {
      const a = selfTop[i];
      const b = inclTop[i];
      const c = attrTop[i];
      return `| ${c?.bucket ?? ""} | ${c ? pct(c.share) : ""} | | ${a?.bucket ?? ""} | ${
        a ? pct(a.share) : ""
      } | | ${b?.bucket ?? ""} | ${b ? pct(b.share) : ""} |`;
    }),
    "",
    "| hottest functions (self time) | share of busy |",
    "|---|---:|",
    ...fnTop.map((f) => `| \`${f.name.replace(/\|/g, "\\|")}\` | ${pct(f.share)} |`),
    "",
  ];
  return {
    file,
    sampledMs: sampled,
    busyMs: busy,
    attributed: attrTop,
    self: selfTop,
    inclusive: inclTop,
    functions: fnTop,
    markdown: lines.join("\n"),
  };
}

/**
 * Summarises the newest `.cpuprofile` in `path` (a directory) or the file `path`: the whole of it,
 * and each window given.
 */
export async function summarizeProfile(
  path: string,
  windows: Window[] = [],
): Promise<ProfileSummary & { windows: ProfileSummary[] }> {
  let file = path;
  if ((await Deno.stat(path)).isDirectory) {
    const found: { name: string; mtime: number }[] = [];
    for await (const entry of Deno.readDir(path)) {
      if (entry.name.endsWith(".cpuprofile")) {
        const info = await Deno.stat(`${path}/${entry.name}`);
        found.push({ name: entry.name, mtime: info.mtime?.getTime() ?? 0 });
      }
    }
    if (!found.length) throw new Error(`no .cpuprofile in ${path}`);
    found.sort((a, b) => b.mtime - a.mtime);
    file = `${path.replace(/\/$/, "")}/${found[0].name}`;
  }
  const profile = JSON.parse(await Deno.readTextFile(file)) as CpuProfile;
  return {
    ...summarize(profile, file),
    windows: windows.map((w) => summarize(profile, file, w)),
  };
}

if (import.meta.main) {
  const path = Deno.args[0];
  if (!path) throw new Error("usage: deno run -A bench/profile.ts <dir-or-file.cpuprofile>");
  console.log((await summarizeProfile(path)).markdown);
}
