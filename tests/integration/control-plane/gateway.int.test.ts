// The control plane with a real gateway process (bin/lbaas-gateway.ts, --dry-run:
// render and `nft -c` only, inside a throwaway network namespace): `lbaas apply
// --wait` returns once the gateway reports the change applied, and `lbaas status`
// shows it live and up to date.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runControlPlaneCommand } from "../../../services/cli/main.ts";
import type { ControlPlaneIo } from "../../../services/cli/context.ts";
import { useControlPlanes } from "./fixture.ts";

const f = useControlPlanes();

test("apply --wait returns when a real gateway (dry run, own netns) applied the change", async (t) => {
  const ns = `lbcp-${process.pid}-${Date.now() % 100_000}`;
  const added = spawnSync("ip", ["netns", "add", ns], { encoding: "utf8" });
  assert.equal(added.status, 0, `ip netns add: ${added.stderr}`);
  const dir = mkdtempSync(join(tmpdir(), "lbaas-cp-gw-"));
  const cp = await f.start({ status: { heartbeatIntervalMs: 500 } });
  const auth = f.server.connectOptions.user
    ? { NATS_USER: f.server.connectOptions.user, NATS_PASSWORD: f.server.connectOptions.pass ?? "" }
    : {};
  const gateway = spawn(
    process.execPath,
    [
      "bin/lbaas-gateway.ts",
      "--nats",
      f.server.url,
      "--id",
      "gw-1",
      "--group",
      "default",
      "--netns",
      ns,
      "--dry-run",
      "--listen",
      "",
      "--heartbeat-ms",
      "500",
    ],
    { stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, ...auth } },
  );
  let gatewayLog = "";
  gateway.stderr.on("data", (d: Buffer) => (gatewayLog += d.toString()));
  t.after(async () => {
    gateway.kill("SIGTERM");
    await new Promise((r) => gateway.once("exit", r).once("error", r));
    spawnSync("ip", ["netns", "del", ns]);
    rmSync(dir, { recursive: true, force: true });
  });

  const out: string[] = [];
  const err: string[] = [];
  const io: ControlPlaneIo = {
    out: (s) => void out.push(s),
    err: (s) => void err.push(s),
    env: { LBAAS_SERVER: cp.url },
    readFile: (p) => readFileSync(p, "utf8"),
    now: () => Date.now(),
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
  };
  const file = join(dir, "inventory.yaml");
  writeFileSync(
    file,
    "services:\n  - id: web\n    vips: [203.0.113.10]\n    ports: [{port: 80, targetPort: 8080}]\n" +
      "    endpoints: [{address: 192.0.2.11}, {address: 192.0.2.12}]\n",
  );
  // The gateway's first heartbeat makes it live; wait for it, then apply.
  for (let i = 0; i < 100; i++) {
    const s = (await (await fetch(`${cp.url}/v1/status?services=false`)).json()) as {
      gateways: unknown[];
    };
    if (s.gateways.length > 0) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const code = await runControlPlaneCommand(["apply", "-f", file, "--wait", "--timeout", "15"], io);
  assert.equal(code, 0, `${err.join("\n")}\ngateway log:\n${gatewayLog.slice(-2000)}`);
  assert.ok(
    out.some((l) => /applied by every live gateway/.test(l)),
    out.join("\n"),
  );

  out.length = 0;
  assert.equal(await runControlPlaneCommand(["status"], io), 0);
  assert.match(out.join("\n"), /gw-1\s+default\s+yes\s+2\s+0/);
  const one = (await (await fetch(`${cp.url}/v1/status/services/web`)).json()) as {
    current: string[];
  };
  assert.deepEqual(one.current, ["gw-1"]);
});
