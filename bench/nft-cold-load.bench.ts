// Cold load of 10,000 services × 4 endpoints + 1,000 policies into an empty
// namespace, one `nft -f` transaction per layout, side by side in one run:
// ours, kube-proxy's layout and the seed's linear layout. Target: ours ≤ 1/15
// of kube-proxy's. Each layout gets a fresh namespace; the time is the wall
// time of `ip netns exec NS nft -f FILE` (script rendered beforehand).
import { rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { createNamespace } from "../tests/harness/netns.ts";
import { kubeProxyLayout, seedLayout, type Layout } from "./layouts/layouts.ts";
import { ourLayout } from "./layouts/ours.ts";
import { median, report, type BenchRow } from "./result.ts";
import { syntheticInventory } from "../libs/nft/synthetic.ts";

const bench = "nft-cold-load";
const size = { services: 10_000, endpointsPerService: 4, policies: 1_000 };
const label = `${size.services} svc × ${size.endpointsPerService} ep + ${size.policies} pol`;
const inventory = syntheticInventory(size);

/** Loads `layout`'s script into a fresh namespace; returns seconds, or throws on nft failure. */
async function coldLoad(layout: Layout): Promise<{ seconds: number; bytes: number }> {
  const script = layout.render(inventory);
  const file = `${tmpdir()}/lbaas-bench-${process.pid}-${layout.name}.nft`;
  writeFileSync(file, script);
  const ns = await createNamespace("load");
  try {
    const t0 = performance.now();
    await ns.exec(["nft", "-f", file], { timeoutMs: 900_000 });
    return { seconds: (performance.now() - t0) / 1000, bytes: script.length };
  } finally {
    await ns.stop();
    rmSync(file, { force: true });
  }
}

// Ours loads in about a second, so one burst of other work on the machine can
// double a single sample: it runs three times (interleaved with the baselines)
// and the median counts. The baselines take 15-40 s each and run once.
const schedule = [ourLayout, seedLayout, ourLayout, kubeProxyLayout, ourLayout];
const samples = new Map<string, number[]>();
const sizes = new Map<string, number>();
for (const layout of schedule) {
  const { seconds, bytes } = await coldLoad(layout);
  samples.set(layout.name, [...(samples.get(layout.name) ?? []), seconds]);
  sizes.set(layout.name, bytes);
  process.stderr.write(`  ${layout.name}: ${seconds.toFixed(2)} s\n`);
}
const results = new Map([...samples].map(([name, xs]) => [name, median(xs)]));
const rows: BenchRow[] = [];
for (const [name, xs] of samples) {
  const detail =
    xs.length > 1 ? ` median of ${xs.length}: ${xs.map((x) => x.toFixed(2)).join(" ")}` : "";
  rows.push({
    bench,
    metric: `cold load ${name} (${label})${detail}`,
    value: median(xs),
    unit: "s",
  });
  rows.push({
    bench,
    metric: `script size ${name}`,
    value: (sizes.get(name) ?? 0) / 2 ** 20,
    unit: "MiB",
  });
}
const ours = results.get("ours") ?? NaN;
const kp = results.get("kube-proxy") ?? NaN;
const seed = results.get("seed") ?? NaN;
rows.push({
  bench,
  metric: "cold load ours / kube-proxy",
  value: ours / kp,
  unit: "ratio",
  target: "≤ 1/15 (0.0667)",
  pass: ours / kp <= 1 / 15,
});
rows.push({ bench, metric: "cold load ours / seed", value: ours / seed, unit: "ratio" });
report(rows);
