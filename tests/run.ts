// Test entry point: `node tests/run.ts <unit|integration|e2e|all>`.
//
// Tiers are folders and file suffixes (tests/unit/**/*.unit.test.ts, ...).
// Integration and end-to-end tiers need root, `nft`, `ip` and `nats-server`;
// when they are missing this script fails loudly instead of passing silently.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

type Tier = "unit" | "integration" | "e2e";
const tiers: Record<Tier, string> = {
  unit: "tests/unit/**/*.unit.test.ts",
  integration: "tests/integration/**/*.int.test.ts",
  e2e: "tests/e2e/**/*.e2e.test.ts",
};

const arg = process.argv[2] ?? "all";
const chosen: Tier[] =
  arg === "all" ? ["unit", "integration", "e2e"] : arg in tiers ? [arg as Tier] : [];
if (chosen.length === 0) {
  console.error(`usage: node tests/run.ts <unit|integration|e2e|all>; got ${JSON.stringify(arg)}`);
  process.exit(2);
}

/** Returns a list of reasons why the privileged tiers cannot run here (empty when they can). */
function missingForPrivilegedTiers(): string[] {
  const missing: string[] = [];
  if (process.getuid?.() !== 0)
    missing.push("not running as root (network namespaces and nft need it)");
  for (const tool of ["nft", "ip", "nats-server"]) {
    const found = spawnSync("sh", ["-c", `command -v ${tool}`], { encoding: "utf8" });
    if (found.status !== 0)
      missing.push(`'${tool}' is not installed (apt-get install nftables iproute2 nats-server)`);
  }
  if (!existsSync("/proc/self/ns/net")) missing.push("no network namespace support");
  return missing;
}

if (chosen.some((t) => t !== "unit")) {
  const missing = missingForPrivilegedTiers();
  if (missing.length > 0) {
    console.error("\n*** integration/e2e tiers CANNOT RUN here:");
    for (const m of missing) console.error(`***   - ${m}`);
    console.error(
      "*** run `bash .ci/run` as root, or `npm run test:unit` for the unit tier only\n",
    );
    process.exit(1);
  }
}

let failed = false;
for (const tier of chosen) {
  console.log(`\n=== ${tier} tests ===`);
  const result = spawnSync(
    process.execPath,
    [
      "--test",
      "--test-reporter=spec",
      `--test-concurrency=${tier === "unit" ? 2 : 1}`,
      `--test-timeout=${tier === "unit" ? 60_000 : 300_000}`,
      tiers[tier],
    ],
    { stdio: "inherit" },
  );
  if (result.status !== 0) {
    failed = true;
    console.error(`=== ${tier} tests FAILED (exit ${result.status ?? result.signal}) ===`);
  }
}
process.exit(failed ? 1 : 0);
