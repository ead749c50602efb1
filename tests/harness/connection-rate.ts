// Runs traffic-rate.ts inside a topology's client namespace.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Topology } from "./netns.ts";
import type { RateRequest, RateResult } from "./traffic-rate.ts";

const script = fileURLToPath(new URL("./traffic-rate.ts", import.meta.url));

/** What {@link measureConnectionRate} returns. */
export interface ConnectionRate extends RateResult {
  /**
   * CPU time per completed connection in µs: the client's plus that of the
   * processes in `cpuPids` (the backends), over the whole run. Forwarding work
   * in the gateway namespace (nft chains, conntrack, NAT) runs in softirq
   * context mostly charged to these senders, so this figure follows the
   * gateway's per-connection cost and, unlike conn/s, hardly moves when other
   * work on the machine steals CPU. NaN when nothing completed.
   */
  readonly cpuUsPerConnection: number;
}

/** User + system CPU time of a process in ms, from /proc (0 when it is gone). */
export function processCpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // Fields 14 and 15 of /proc/PID/stat (utime, stime), counted after "(comm) ".
    const ticks = Number(fields[11]) + Number(fields[12]);
    return (ticks * 1000) / 100; // USER_HZ is 100 on Linux
  } catch {
    return 0;
  }
}

/**
 * Measures the new-TCP-connection rate from the client namespace to
 * `host:port` through the gateway (see traffic-rate.ts). Defaults: 3 s measured
 * after 1 s warm-up, 64 lanes. Rejects when the tool itself fails; failed
 * connections are counted in the result.
 */
export async function measureConnectionRate(
  topology: Topology,
  options: Pick<RateRequest, "host" | "port"> &
    Partial<RateRequest> & { readonly cpuPids?: readonly number[] },
): Promise<ConnectionRate> {
  const { cpuPids = [], ...rest } = options;
  const request: RateRequest = { seconds: 3, warmupSeconds: 1, concurrency: 64, ...rest };
  const before = cpuPids.map(processCpuMs);
  const { stdout } = await topology.exec(
    topology.names.client,
    [process.execPath, script, JSON.stringify(request)],
    { timeoutMs: (request.seconds + request.warmupSeconds) * 1000 + 30_000 },
  );
  const result = JSON.parse(stdout) as RateResult;
  const backendCpuMs = cpuPids.reduce(
    (sum, pid, i) => sum + processCpuMs(pid) - (before[i] ?? 0),
    0,
  );
  const cpuUsPerConnection =
    result.completedTotal > 0
      ? ((result.clientCpuMs + backendCpuMs) * 1000) / result.completedTotal
      : NaN;
  return { ...result, cpuUsPerConnection };
}
