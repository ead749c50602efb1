// `npm run bench [-- NAME…]`: runs every bench/*.bench.ts (or those whose name
// contains one of the given words) one after another, each in its own Node
// process, then prints one table and writes .bench/results.json.
//
// Benches that need network namespaces and nft require root; without it this
// script fails loudly instead of reporting nothing.
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, release } from "node:os";
import { fileURLToPath } from "node:url";
import { format, type BenchRow } from "./result.ts";

const benchDir = fileURLToPath(new URL(".", import.meta.url));
const outDir = fileURLToPath(new URL("../.bench/", import.meta.url));
const filters = process.argv.slice(2);
const files = readdirSync(benchDir)
  .filter((f) => f.endsWith(".bench.ts"))
  .filter((f) => filters.length === 0 || filters.some((w) => f.includes(w)))
  .sort();
if (files.length === 0) {
  console.error(`bench: no bench file matches ${JSON.stringify(filters)}`);
  process.exit(2);
}
if (process.getuid?.() !== 0) {
  console.error("bench: must run as root (network namespaces and nft); refusing to report nothing");
  process.exit(1);
}

mkdirSync(outDir, { recursive: true });
const rowsFile = `${outDir}rows.jsonl`;
rmSync(rowsFile, { force: true });
const failed: string[] = [];
const started = new Date();
for (const file of files) {
  console.error(`\n=== ${file} ===`);
  const t0 = performance.now();
  const result = spawnSync(process.execPath, ["--expose-gc", `${benchDir}${file}`], {
    stdio: ["ignore", "inherit", "inherit"],
    env: { ...process.env, BENCH_RESULT_FILE: rowsFile },
  });
  console.error(
    `=== ${file}: ${((performance.now() - t0) / 1000).toFixed(1)} s, exit ${result.status ?? result.signal}`,
  );
  if (result.status !== 0) failed.push(file);
}

let rows: BenchRow[] = [];
try {
  rows = readFileSync(rowsFile, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as BenchRow);
} catch {
  rows = [];
}
rmSync(rowsFile, { force: true });

const header = ["bench", "metric", "value", "unit", "target", "ok"];
const table = rows.map((r) => [
  r.bench,
  r.metric,
  format(r.value),
  r.unit,
  r.target ?? "",
  r.pass === undefined ? "" : r.pass ? "yes" : "NO",
]);
const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i]?.length ?? 0)));
const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join("  ");
console.log("\n" + line(header));
console.log(widths.map((w) => "-".repeat(w)).join("  "));
for (const row of table) console.log(line(row));

const machine = {
  cpus: cpus().length,
  cpu: cpus()[0]?.model ?? "",
  kernel: release(),
  node: process.version,
};
writeFileSync(
  `${outDir}results.json`,
  JSON.stringify({ started: started.toISOString(), machine, files, failed, rows }, null, 2) + "\n",
);
console.log(`\nwrote .bench/results.json (${rows.length} rows)`);
if (failed.length > 0) {
  console.error(`bench files that failed: ${failed.join(", ")}`);
  process.exit(1);
}
