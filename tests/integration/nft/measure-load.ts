// Quick load measurement of our layout (not the benchmark; `npm run bench` is).
// Usage (root): node tests/integration/nft/measure-load.ts [services] [endpoints] [policies] [v4|v6] [schedulers]
// Creates a throwaway netns, measures render time and heap, cold full load, warm
// full replace, and a one-service incremental change; removes the netns.
import { spawnSync } from "node:child_process";
import type { Inventory } from "../../../libs/domain/model.ts";
import { renderFull, renderIncremental, toScript } from "../../../libs/nft/render/index.ts";
import { NftRunner } from "../../../libs/nft/runner.ts";
import { DEFAULT_GATEWAY_SETTINGS } from "../../../libs/nft/settings.ts";
import { syntheticInventory } from "../../../libs/nft/synthetic.ts";
import type { Scheduler } from "../../../libs/domain/model.ts";

const [services = 10000, endpoints = 4, policies = 1000] = process.argv.slice(2, 5).map(Number);
const family = process.argv[5] === "v6" ? "v6" : "v4";
const schedulers = (process.argv[6] ?? "round-robin").split(",") as Scheduler[];
const ns = `lbaas-measure-${process.pid}`;
const settings = DEFAULT_GATEWAY_SETTINGS;

function best<T>(n: number, f: () => T): { ms: number; value: T } {
  let ms = Infinity;
  let value: T | undefined;
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    value = f();
    ms = Math.min(ms, performance.now() - t);
  }
  return { ms, value: value as T };
}

spawnSync("ip", ["netns", "add", ns]);
try {
  const runner = new NftRunner({ netns: ns });
  const inv = syntheticInventory({
    services,
    endpointsPerService: endpoints,
    policies,
    family,
    schedulers,
  });
  globalThis.gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  const render = best(5, () => toScript(renderFull(inv, settings).tx));
  const full = renderFull(inv, settings);
  const heapAfter = process.memoryUsage().heapUsed;
  const script = render.value;
  console.log(
    `render: ${render.ms.toFixed(1)} ms (best of 5), script ${(script.length / 1e6).toFixed(1)} MB, ${script.split("\n").length} lines, heap +${((heapAfter - heapBefore) / 1e6).toFixed(0)} MB`,
  );
  const cold = await runner.apply(script);
  console.log(`cold full load: ${cold.durationMs.toFixed(0)} ms`);
  const warm = await runner.apply(script);
  console.log(`warm full replace: ${warm.durationMs.toFixed(0)} ms`);
  // One service changes: its second endpoint is drained and a new one added.
  const svc = inv.endpoints[Math.floor(services / 2)];
  const changed: Inventory = {
    ...inv,
    endpoints: inv.endpoints.map((e) =>
      e !== svc
        ? e
        : {
            ...e,
            endpoints: [
              ...e.endpoints.map((x, i) => (i === 1 ? { ...x, state: "draining" as const } : x)),
              {
                address: family === "v6" ? "2001:db8:3::1" : "192.0.2.254",
                port: 9999,
                weight: 3,
                state: "ready" as const,
              },
            ],
          },
    ),
  };
  const inc = renderIncremental(full.ruleset, changed, settings);
  const incScript = toScript(inc.tx);
  const incRun = await runner.apply(incScript);
  console.log(
    `incremental (${inc.kind}, ${inc.tx.length} ops): ${incRun.durationMs.toFixed(1)} ms`,
  );
  const back = renderIncremental(inc.ruleset, inv, settings);
  const backRun = await runner.apply(toScript(back.tx));
  console.log(`incremental back: ${backRun.durationMs.toFixed(1)} ms`);
} finally {
  spawnSync("ip", ["netns", "delete", ns]);
}
