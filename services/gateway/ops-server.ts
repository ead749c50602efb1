// Health and metrics over HTTP (libs/http router): `/healthz`, `/readyz`, `/metrics`.
import { createServer, type Server } from "node:http";
import type { Registry } from "prom-client";
import { Router } from "../../libs/http/router.ts";
import type { LoopStatus } from "./apply-loop.ts";
import type { ListenAddress } from "./settings.ts";

export interface OpsSources {
  /** The loop's status, or null while the gateway is not constructed yet (connecting). */
  readonly status: () => LoopStatus | null;
  readonly registry: () => Registry | null;
}

/**
 * The router: `/healthz` 200 while the process runs and its last apply attempt
 * succeeded (or none was made yet), 503 after a failed one (the body says which
 * error; the last good rules still run). `/readyz` 200 once the initial state was
 * applied, 503 before. `/metrics` the Prometheus text format.
 */
export function opsRouter(sources: OpsSources): Router {
  const router = new Router({ maxBodyBytes: 0 });
  router.on("GET", "/healthz", () => {
    const s = sources.status();
    const ok = s === null || s.lastApplyOk !== false;
    return {
      status: ok ? 200 : 503,
      body: {
        status: ok ? "ok" : "failing",
        lastApplyOk: s?.lastApplyOk ?? null,
        appliedSeq: s?.appliedSeq ?? 0,
        receivedSeq: s?.receivedSeq ?? 0,
        rulesetHash: s?.hash ?? "",
        lastError: s?.lastError ?? null,
        consecutiveFailures: s?.consecutiveFailures ?? 0,
      },
    };
  });
  router.on("GET", "/readyz", () => {
    const ready = sources.status()?.ready === true;
    return { status: ready ? 200 : 503, body: { ready } };
  });
  router.on("GET", "/metrics", async () => {
    const registry = sources.registry();
    if (registry === null) return { status: 503, text: "# not started\n" };
    return {
      status: 200,
      text: await registry.metrics(),
      headers: { "content-type": registry.contentType },
    };
  });
  return router;
}

/** Listens on `address`; resolves with the server once it listens, rejects if it cannot. */
export function startOpsServer(address: ListenAddress, sources: OpsSources): Promise<Server> {
  const server = createServer(opsRouter(sources).listener);
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(address.port, address.host, () => {
      server.off("error", reject);
      resolve(server);
    });
  });
}
