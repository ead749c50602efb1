import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { batchedDestination } from "../../../services/control-plane/log-destination.ts";

const MODULE = fileURLToPath(
  new URL("../../../services/control-plane/log-destination.ts", import.meta.url),
);

test("log destination: small batches are written within the batch time, big ones at once, in order", async () => {
  const dir = mkdtempSync(join(tmpdir(), "lbaas-logdest-"));
  try {
    const file = join(dir, "log");
    const fd = openSync(file, "w");
    const dest = batchedDestination(fd);
    dest.write("one\n");
    dest.write("two\n");
    assert.equal(readFileSync(file, "utf8"), "", "a small batch waits");
    await sleep(200);
    assert.equal(readFileSync(file, "utf8"), "one\ntwo\n");
    const big = Array.from({ length: 300 }, (_, i) => `${"x".repeat(40)} ${i}\n`);
    for (const line of big) dest.write(line);
    await sleep(200);
    assert.equal(readFileSync(file, "utf8"), "one\ntwo\n" + big.join(""));
    closeSync(fd);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("log destination: lines still batched when the process exits are written", () => {
  const script = [
    `const { batchedDestination } = await import(${JSON.stringify(MODULE)});`,
    `const d = batchedDestination();`,
    `d.write("first\\n");`,
    `d.write("second\\n");`,
    `process.exit(0);`,
  ].join("\n");
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", script], {
    encoding: "utf8",
  });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, "first\nsecond\n");
  const quiet = spawnSync(
    process.execPath,
    ["--input-type=module", "-e", script.replace("process.exit(0);", "")],
    { encoding: "utf8" },
  );
  assert.equal(quiet.stdout, "first\nsecond\n", "also when the loop just runs empty");
});
