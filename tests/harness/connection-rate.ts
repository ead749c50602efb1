// Runs traffic-rate.ts inside a topology's client namespace.
import { fileURLToPath } from "node:url";
import type { Topology } from "./netns.ts";
import type { RateRequest, RateResult } from "./traffic-rate.ts";

const script = fileURLToPath(new URL("./traffic-rate.ts", import.meta.url));

/**
 * Measures the new-TCP-connection rate from the client namespace to
 * `host:port` through the gateway (see traffic-rate.ts). Defaults: 3 s measured
 * after 1 s warm-up, 64 lanes. Rejects when the tool itself fails; failed
 * connections are counted in the result.
 */
export async function measureConnectionRate(
  topology: Topology,
  options: Pick<RateRequest, "host" | "port"> & Partial<RateRequest>,
): Promise<RateResult> {
  const request: RateRequest = { seconds: 3, warmupSeconds: 1, concurrency: 64, ...options };
  const { stdout } = await topology.exec(
    topology.names.client,
    [process.execPath, script, JSON.stringify(request)],
    { timeoutMs: (request.seconds + request.warmupSeconds) * 1000 + 30_000 },
  );
  return JSON.parse(stdout) as RateResult;
}
