// The two lbaas services as real processes, started exactly as an operator would
// start them (the bins in bin/, flags only): one control plane, and one gateway
// per lab, each applying its rules inside its lab's gateway namespace (--netns).
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { freePort } from "../tests/harness/nats.ts";
import { isRunning, startChild, type Child } from "./children.ts";

const bin = (name: string): string => fileURLToPath(new URL(`../bin/${name}`, import.meta.url));

/** A running service and its HTTP base url (API, or health and metrics). */
export interface DemoService {
  readonly child: Child;
  readonly http: string;
}

/** What a gateway needs to know about its place in the demo. */
export interface GatewayPlacement {
  readonly id: string;
  readonly group: string;
  /** The namespace its nftables rules go into. */
  readonly netns: string;
}

/**
 * Polls `url` until it answers 200. Rejects naming the service and its log when
 * the process exits first or `timeoutMs` passes.
 */
async function waitHealthy(service: DemoService, url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && isRunning(service.child)) {
    const ok = await fetch(url, { signal: AbortSignal.timeout(1_000) }).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await sleep(100);
  }
  const why = isRunning(service.child) ? `not ready after ${timeoutMs / 1000} s` : "exited";
  throw new Error(`${service.child.name} ${why}; see ${service.child.log}`);
}

/**
 * Starts `lbaas-control-plane` against `natsUrl` on a free local port and resolves
 * once `/readyz` answers 200 (streams ensured, view caught up). Rejects after 30 s.
 */
export async function startControlPlane(natsUrl: string, logDir: string): Promise<DemoService> {
  const port = await freePort();
  const http = `http://127.0.0.1:${port}`;
  const child = await startChild(
    "control plane",
    [process.execPath, bin("lbaas-control-plane.ts"), "--nats", natsUrl].concat([
      "--listen",
      `127.0.0.1:${port}`,
      "--default-actor",
      "demo",
    ]),
    join(logDir, "control-plane.log"),
  );
  const service = { child, http };
  await waitHealthy(service, `${http}/readyz`, 30_000);
  return service;
}

/**
 * Starts one `lbaas-gateway` and resolves once `/readyz` answers 200 (it read its
 * group's events and applied its first ruleset). Heartbeats every second so the
 * control plane's status view fills quickly. Rejects after 30 s.
 */
export async function startGateway(
  natsUrl: string,
  placement: GatewayPlacement,
  logDir: string,
): Promise<DemoService> {
  const port = await freePort();
  const http = `http://127.0.0.1:${port}`;
  const child = await startChild(
    `gateway ${placement.id}`,
    [process.execPath, bin("lbaas-gateway.ts"), "--nats", natsUrl, "--id", placement.id]
      .concat(["--group", placement.group, "--netns", placement.netns])
      .concat(["--listen", `127.0.0.1:${port}`, "--heartbeat-ms", "1000"]),
    join(logDir, `gateway-${placement.id}.log`),
  );
  const service = { child, http };
  await waitHealthy(service, `${http}/readyz`, 30_000);
  return service;
}

/**
 * Waits until the control plane's status view lists every gateway in `ids` as
 * live (their first heartbeat arrived), so `lbaas apply --wait` waits for all of
 * them. Rejects after `timeoutMs`.
 */
export async function waitGatewaysLive(
  controlPlane: DemoService,
  ids: readonly string[],
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const body = await fetch(`${controlPlane.http}/v1/status?services=false`).then(
      (r) => r.json() as Promise<{ gateways: { gatewayId: string; live: boolean }[] }>,
      () => ({ gateways: [] }),
    );
    const live = new Set(body.gateways.filter((g) => g.live).map((g) => g.gatewayId));
    if (ids.every((id) => live.has(id))) return;
    if (Date.now() > deadline)
      throw new Error(`gateways not live in the control plane's status view: ${ids.join(", ")}`);
    await sleep(200);
  }
}
