/**
 * Child processes of the benchmark and what they cost: spawning and stopping them, CPU time and
 * resident memory from `/proc/<pid>/stat` and `/proc/<pid>/status`, load average, machine facts.
 * @module
 */

/** Clock ticks per second of `/proc/<pid>/stat` times (USER_HZ, 100 on Linux x86-64). */
const CLK_TCK = 100;

/** CPU time (user + system) of a process in milliseconds; NaN when it is gone. */
export function cpuMs(pid: number): number {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    // Fields after the command name (which may contain spaces) start at index 3 → utime is #14.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
  } catch {
    return NaN;
  }
}

/** Busy CPU time of the whole machine (all cores, all processes), in milliseconds. */
export function machineBusyMs(): number {
  try {
    const line = Deno.readTextFileSync("/proc/stat").split("\n")[0];
    const v = line.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal ...: busy = all but idle and iowait.
    const total = v.slice(0, 8).reduce((a, b) => a + b, 0);
    return ((total - v[3] - v[4]) * 1000) / CLK_TCK;
  } catch {
    return NaN;
  }
}

/** Parent pid of a process, or -1. */
function parentPid(pid: number): number {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
  } catch {
    return -1;
  }
}

/** Resident set (`VmRSS`) and its peak (`VmHWM`) in KiB. */
export function memoryKiB(pid: number): { rss: number; peak: number } {
  try {
    const status = Deno.readTextFileSync(`/proc/${pid}/status`);
    const get = (key: string) => Number(status.match(new RegExp(`${key}:\\s+(\\d+)`))?.[1] ?? NaN);
    return { rss: get("VmRSS"), peak: get("VmHWM") };
  } catch {
    return { rss: NaN, peak: NaN };
  }
}

/** Resets the peak-RSS counter of a process (`clear_refs` 5); false when not allowed. */
export function resetPeak(pid: number): boolean {
  try {
    Deno.writeTextFileSync(`/proc/${pid}/clear_refs`, "5");
    return true;
  } catch {
    return false;
  }
}

/** A process and its children (one level: PostgreSQL's backends under the postmaster). */
export function withChildren(pid: number): number[] {
  const out = [pid];
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    const child = Number(entry.name);
    if (parentPid(child) === pid) out.push(child);
  }
  return out;
}

/** The 1-minute load average. */
export function loadAverage(): number {
  try {
    return Number(Deno.readTextFileSync("/proc/loadavg").split(" ")[0]);
  } catch {
    return NaN;
  }
}

/** Facts about this machine for the report. */
export function machine(): Record<string, unknown> {
  const read = (path: string) => {
    try {
      return Deno.readTextFileSync(path);
    } catch {
      return "";
    }
  };
  const cpu = read("/proc/cpuinfo").match(/model name\s*:\s*(.+)/)?.[1]?.trim() ?? "unknown";
  const memKiB = Number(read("/proc/meminfo").match(/MemTotal:\s+(\d+)/)?.[1] ?? NaN);
  const os = read("/etc/os-release").match(/PRETTY_NAME="?([^"\n]+)/)?.[1] ?? Deno.build.os;
  return {
    cpu,
    cores: navigator.hardwareConcurrency,
    memoryGiB: Math.round((memKiB / 1024 / 1024) * 10) / 10,
    os,
    kernel: Deno.osRelease(),
    deno: Deno.version.deno,
    v8: Deno.version.v8,
  };
}

/** A tracked group of processes: CPU between `start` and `stop`, peak RSS sampled meanwhile. */
export class ProcessMeter {
  #pids: () => number[];
  #cpu0 = 0;
  #t0 = 0;
  #peakKiB = 0;
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(readonly name: string, pids: () => number[], readonly wholeMachine = false) {
    this.#pids = pids;
  }

  #cpu(): number {
    if (this.wholeMachine) return machineBusyMs();
    let total = 0;
    for (const pid of this.#pids()) {
      const v = cpuMs(pid);
      if (Number.isFinite(v)) total += v;
    }
    return total;
  }

  #rss(): number {
    if (this.wholeMachine) return 0;
    let total = 0;
    for (const pid of this.#pids()) {
      const v = memoryKiB(pid).rss;
      if (Number.isFinite(v)) total += v;
    }
    return total;
  }

  start(): void {
    this.#cpu0 = this.#cpu();
    this.#t0 = performance.now();
    this.#peakKiB = this.#rss();
    this.#timer = setInterval(() => {
      this.#peakKiB = Math.max(this.#peakKiB, this.#rss());
    }, 200);
  }

  /** CPU milliseconds used, the share of one core, and the peak resident set in MiB. */
  stop(): { cpuMs: number; cores: number; peakRssMiB: number } {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    this.#peakKiB = Math.max(this.#peakKiB, this.#rss());
    const used = this.#cpu() - this.#cpu0;
    const wall = performance.now() - this.#t0;
    return { cpuMs: used, cores: wall > 0 ? used / wall : NaN, peakRssMiB: this.#peakKiB / 1024 };
  }
}

/** A child Deno process started by the benchmark. */
export interface Service {
  name: string;
  pid: number;
  port: number;
  /** `Date.now()` just before the process was spawned. */
  spawnedAt: number;
  /** Everything it wrote (last 64 KiB), for error reports. */
  output(): string;
  stop(): Promise<void>;
}

/**
 * Starts `deno run -A <script> ...args` and waits until it is ready: it printed `READY <port>`, or
 * `ready(port)` resolved for a port passed in (`port` option).
 */
export async function startDeno(
  name: string,
  script: string,
  args: string[],
  options: {
    env?: Record<string, string>;
    port?: number;
    ready?: (port: number) => Promise<boolean>;
    timeoutMs?: number;
    v8Flags?: string[];
    denoFlags?: string[];
  } = {},
): Promise<Service> {
  const spawnedAt = Date.now();
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      ...(options.denoFlags ?? []),
      ...(options.v8Flags?.length ? [`--v8-flags=${options.v8Flags.join(",")}`] : []),
      script,
      ...args,
    ],
    env: { RUST_BACKTRACE: "0", NO_COLOR: "1", ...options.env },
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
  }).spawn();
  let log = "";
  let readyPort = options.port ?? 0;
  const decoder = new TextDecoder();
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    for await (const chunk of stream) {
      log = (log + decoder.decode(chunk)).slice(-65536);
      const m = log.match(/^READY (\d+)$/m);
      if (m && !readyPort) readyPort = Number(m[1]);
    }
  };
  const pumps = Promise.all([pump(child.stdout), pump(child.stderr)]);
  let exited = false;
  const status = child.status.then((s) => {
    exited = true;
    return s;
  });
  const deadline = performance.now() + (options.timeoutMs ?? 60_000);
  while (true) {
    if (exited) throw new Error(`${name} exited while starting:\n${log.slice(-4000)}`);
    if (performance.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`${name} did not start in time:\n${log.slice(-4000)}`);
    }
    if (readyPort && (!options.ready || await options.ready(readyPort).catch(() => false))) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  let stopping: Promise<void> | undefined;
  return {
    name,
    pid: child.pid,
    port: readyPort,
    spawnedAt,
    output: () => log,
    stop() {
      stopping ??= (async () => {
        if (!exited) {
          try {
            child.kill("SIGTERM");
          } catch { /* gone */ }
          const timer = setTimeout(() => {
            try {
              child.kill("SIGKILL");
            } catch { /* gone */ }
          }, 5000);
          await status;
          clearTimeout(timer);
        }
        await pumps.catch(() => {});
      })();
      return stopping;
    },
  };
}

/** A free TCP port on loopback. */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}
