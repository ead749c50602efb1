// `npm run demo` must never rot: run it non-interactively (`--ci`) with real
// processes, namespaces and traffic, and check what it printed and what it left
// behind (nothing: no process, no namespace, no state directory). Also the
// render-only fallback without root, and the two inventory files it applies.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile, execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { validateInventory } from "../../../libs/domain/validate.ts";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const run = join(root, "demo/run.ts");

interface Ran {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function runDemo(argv: readonly string[], prefix: readonly string[] = []): Promise<Ran> {
  const cmd = [...prefix, process.execPath, run, ...argv];
  return new Promise((resolve) => {
    execFile(
      cmd[0] ?? "",
      cmd.slice(1),
      { cwd: root, timeout: 120_000, env: { ...process.env, NO_COLOR: "1" } },
      (err, stdout, stderr) => {
        const code = err === null ? 0 : typeof err.code === "number" ? err.code : null;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

test("the demo runs end to end (--ci): expected backends, a change, history, nothing left behind", async () => {
  const dir = mkdtempSync(join(tmpdir(), "lbaas-demo-e2e-"));
  const started = Date.now();
  const r = await runDemo(["--ci", "--dir", dir]);
  const seconds = (Date.now() - started) / 1000;
  const out = r.stdout;
  assert.equal(r.code, 0, `exit ${r.code}\n${out.slice(-3000)}\n${r.stderr.slice(-3000)}`);
  assert.ok(!out.includes("✗"), "a traffic check failed:\n" + out);
  process.stderr.write(`[demo e2e] demo took ${seconds.toFixed(1)} s\n`);

  // Before the change: weighted round-robin 1:2:1 on both gateways, v4 and v6; dns for the /24.
  // After: b2 drained, the client outside the /25 gets no answer.
  for (const gw of ["gw-a", "gw-b"]) {
    const rows = out.split("\n").filter((l) => l.trimStart().startsWith(`${gw} `));
    const has = (re: RegExp): boolean => rows.some((l) => re.test(l));
    assert.ok(has(/web\s+198\.51\.100\.10\s.*\sb1:2 b2:4 b3:2$/), `${gw} web v4 before`);
    assert.ok(has(/web\s+2001:db8:c::10\s.*\sb1:2 b2:4 b3:2$/), `${gw} web v6 before`);
    assert.ok(has(/dns\s+198\.51\.100\.200\s.*\sb4:2 b5:2$/), `${gw} dns outside before`);
    assert.ok(has(/web\s+198\.51\.100\.10\s.*\sb1:4 b3:4$/), `${gw} web v4 after the drain`);
    assert.ok(has(/dns\s+198\.51\.100\.10\s.*\sb4:2 b5:2$/), `${gw} dns inside after`);
    assert.ok(has(/dns\s+198\.51\.100\.200\s.*\sno answer:4$/), `${gw} dns outside after`);
  }
  assert.match(out, /✓ gw-a: the connection held open to b2 still answers \(b2\)/);
  assert.match(out, /\$ lbaas status\n\s+GROUP\s+HEAD[^\n]*\n\s+default\s+5\s+2\s+2\s+2/);
  assert.match(out, /endpoints\[1\]\.state: "ready" → "draining"/);
  assert.match(out, /ingress\[0\]\.from\[0\]\.cidr: "198\.51\.100\.0\/24" → "198\.51\.100\.0\/25"/);
  assert.match(out, /chain svc-web-tcp-80-v4 \{/);

  // Nothing left behind: processes (by the pids it printed), namespaces, the directory.
  const pids = [...out.matchAll(/^\s+(?:nats-server|control plane|gateway gw-\w)\s+(\d+)\s/gm)].map(
    (m) => Number(m[1]),
  );
  assert.equal(pids.length, 4, "four processes listed");
  for (const pid of pids) assert.ok(!isAlive(pid), `process ${pid} still runs`);
  const namespaces = new Set(out.match(/lbt-[0-9a-f]{8}-(?:client|gw|b1)/g) ?? []);
  assert.ok(namespaces.size >= 6, `namespaces listed: ${[...namespaces].join(" ")}`);
  const left = execFileSync("ip", ["netns", "list"], { encoding: "utf8" });
  for (const ns of namespaces) assert.ok(!left.includes(ns), `namespace ${ns} still exists`);
  assert.ok(!existsSync(dir), `${dir} still exists`);
});

test("without root the demo says why and renders only", async (t) => {
  if (!existsSync("/usr/bin/setpriv")) {
    // Dropping root needs setpriv (util-linux, present on Debian 12 and in CI); without it
    // the fallback cannot be run as a non-root user from this root test.
    t.skip("setpriv (util-linux) is not installed: cannot drop root to test the fallback");
    return;
  }
  const r = await runDemo(
    [],
    ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"],
  );
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /cannot run here: it is not running as root/);
  assert.match(r.stdout, /\$ lbaas render -f demo\/inventory\.yaml/);
  assert.match(r.stdout, /add element inet lbaas service-ips-v4 \{ 203\.0\.113\.10 \. tcp \. 80/);
});

test("the demo's inventories are valid, and the change is exactly a drain and a tighter policy", () => {
  const load = (name: string): unknown => parse(readFileSync(join(root, "demo", name), "utf8"));
  const before = validateInventory(load("inventory.yaml"));
  const after = validateInventory(load("inventory-changed.yaml"));
  assert.ok(before.ok && after.ok, JSON.stringify([before, after]));
  assert.deepEqual(after.value.services, before.value.services);
  const web = (inv: typeof before.value) =>
    inv.endpoints.find((e) => e.serviceId === "web")?.endpoints.map((e) => e.state);
  assert.deepEqual(web(before.value), ["ready", "ready", "ready", "ready", "ready", "ready"]);
  assert.deepEqual(web(after.value), ["ready", "draining", "ready", "ready", "draining", "ready"]);
  const cidr = (inv: typeof before.value) => inv.policies[0]?.ingress[0]?.from[0]?.cidr;
  assert.deepEqual([cidr(before.value), cidr(after.value)], ["198.51.100.0/24", "198.51.100.0/25"]);
});
