// The runner hands nft a whole script even when the process that runs it dies
// mid-apply (kill -9). nft takes end of input as the end of the script, so a
// script cut short on a pipe is often still valid and would be committed in
// part; the runner writes a file first. Made deterministic with an nft wrapper
// that waits before it execs nft, so the kill always lands in between.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { removeStaleScriptDirs } from "../../../libs/nft/runner.ts";
import { createNetns, nftIn } from "./netns.ts";

const ns = createNetns();
const dir = mkdtempSync(join(tmpdir(), "lbaas-runner-kill-"));
after(() => {
  ns.remove();
  rmSync(dir, { recursive: true, force: true });
});

const RULES = 5_000; // ~200 KiB: far more than a pipe buffer (64 KiB)
const RUNNER = new URL("../../../libs/nft/runner.ts", import.meta.url).href;

function script(): string {
  const lines = ["add table inet killtest", "add chain inet killtest c"];
  for (let i = 0; i < RULES; i++)
    lines.push(
      `add rule inet killtest c ip daddr 192.0.2.${(i % 250) + 1} tcp dport ${1000 + i} accept`,
    );
  return lines.join("\n") + "\n";
}

test("kill -9 of the applying process: nft still commits the whole script", async () => {
  const wrapper = join(dir, "slow-nft");
  writeFileSync(wrapper, `#!/bin/sh\nsleep 0.5\nexec nft "$@"\n`);
  chmodSync(wrapper, 0o755);
  const scriptFile = join(dir, "script.nft");
  writeFileSync(scriptFile, script());
  const program = `
    import { readFileSync } from "node:fs";
    const { NftRunner } = await import(${JSON.stringify(RUNNER)});
    const runner = new NftRunner({ netns: ${JSON.stringify(ns.name)}, nftPath: ${JSON.stringify(wrapper)}, scriptDir: ${JSON.stringify(dir)} });
    await runner.apply(readFileSync(${JSON.stringify(scriptFile)}, "utf8"));
  `;
  const child = spawn(process.execPath, ["--input-type=module", "-e", program], {
    stdio: ["ignore", "ignore", "inherit"],
  });
  // Wait until the runner has started the wrapper (it sleeps), then kill the runner.
  let wrapperPid = "";
  const deadline = Date.now() + 20_000;
  while (wrapperPid === "") {
    assert.ok(Date.now() < deadline, "the runner started nft");
    wrapperPid = spawnSync("pgrep", ["-P", String(child.pid)], { encoding: "utf8" }).stdout.trim();
    if (wrapperPid === "") await sleep(10);
  }
  child.kill("SIGKILL");
  // The orphan goes on to nft, which reads its input to the end and commits.
  const until = Date.now() + 20_000;
  while (spawnSync("kill", ["-0", wrapperPid]).status === 0) {
    assert.ok(Date.now() < until, "nft finished");
    await sleep(20);
  }
  const listed = nftIn(ns, "list", "ruleset");
  const rules = listed.split("\n").filter((l) => l.trim().endsWith(" accept"));
  assert.equal(rules.length, RULES, "every rule of the script, not a prefix");

  // The killed runner could not remove its script; the next start does.
  const left = (): string[] => readdirSync(dir).filter((n) => n.startsWith("lbaas-nft-script-"));
  assert.equal(left().length, 1, "the killed runner's script directory is left");
  assert.equal(await removeStaleScriptDirs(dir), 1);
  assert.deepEqual(left(), []);
});
