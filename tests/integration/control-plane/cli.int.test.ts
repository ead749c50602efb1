/* eslint-disable @typescript-eslint/no-unsafe-member-access -- JSON output under test */
// The lbaas CLI's control-plane commands against a real control plane: apply (dry
// run, idempotent, prune, --wait with a fake gateway, timeout naming the laggard),
// get, delete, status, and refusals with every problem.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { headers } from "@nats-io/transport-node";
import { jetstream } from "@nats-io/jetstream";
import { encodeHeartbeat, statusSubjectOf } from "../../../libs/events/codec.ts";
import { runControlPlaneCommand } from "../../../services/cli/main.ts";
import type { ControlPlaneIo } from "../../../services/cli/context.ts";
import { sampleHeartbeat } from "../../fixtures/status.ts";
import { useControlPlanes } from "./fixture.ts";

const f = useControlPlanes();

function io(server: string): ControlPlaneIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return {
    stdout,
    stderr,
    out: (t) => void stdout.push(t),
    err: (t) => void stderr.push(t),
    env: { LBAAS_SERVER: server },
    readFile: (p) => readFileSync(p, "utf8"),
    now: () => Date.now(),
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
  };
}

const INVENTORY = `
services:
  - id: web
    vips: [203.0.113.10, "2001:db8::10"]
    ports: [{protocol: tcp, port: 80, targetPort: 8080}]
    endpoints:
      - {address: 192.0.2.11}
      - {address: "2001:db8::11", weight: 2}
  - id: dns
    group: edge
    vips: [203.0.113.53]
    ports: [{protocol: udp, port: 53}]
policies:
  - id: web-backends
    targets: [192.0.2.11]
    ingress:
      - from: [{cidr: 198.51.100.0/24, except: [198.51.100.128/25]}]
        ports: [{protocol: tcp, port: 8080}]
`;

async function heartbeat(group: string, gatewayId: string, appliedSequence: number): Promise<void> {
  const h = headers();
  h.set("Lbaas-Status-Type", "heartbeat");
  await jetstream(f.nc).publish(
    statusSubjectOf(group, gatewayId),
    encodeHeartbeat(sampleHeartbeat({ gatewayId, group, appliedSequence, sentAt: Date.now() })),
    { headers: h },
  );
}

test("lbaas apply/get/delete/status against a real control plane", async (t) => {
  const cp = await f.start();
  const dir = mkdtempSync(join(tmpdir(), "lbaas-cli-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, "inventory.yaml");
  writeFileSync(file, INVENTORY);
  const run = async (...argv: string[]) => {
    const x = io(cp.url);
    const code = await runControlPlaneCommand(argv, x);
    return { code, out: x.stdout.join("\n"), err: x.stderr.join("\n") };
  };

  const dry = await run("apply", "-f", file, "--dry-run");
  assert.equal(dry.code, 0, dry.err);
  assert.match(dry.out, /would be created 4/);
  assert.equal(await f.eventCount(), 0);

  const first = await run("apply", "-f", file, "--actor", "ci", "--reason", "first apply");
  assert.equal(first.code, 0, first.err);
  assert.match(first.out, /created 4, updated 0, deleted 0, unchanged 1/);
  assert.match(first.out, /create\s+service\s+web\s+default\s+1/);
  const again = await run("apply", "-f", file, "-o", "json");
  assert.equal(JSON.parse(again.out).unchanged, 5);

  const services = await run("get", "services");
  assert.match(services.out, /^ID\s+GROUP\s+VERSION/);
  assert.match(services.out, /web\s+default\s+1\s+203\.0\.113\.10, 2001:db8::10\s+tcp\/80→8080/);
  const eps = await run("get", "endpoints", "web", "-o", "json");
  assert.equal(JSON.parse(eps.out).endpoints.endpoints.length, 2);
  assert.equal((await run("get", "policies", "--group", "default")).code, 0);
  assert.match((await run("get", "inventory")).out, /id: web-backends/);

  // --wait: a live gateway that is behind → timeout naming it (exit 3) ...
  const changed = INVENTORY.replace("port: 80,", "port: 81,");
  writeFileSync(file, changed);
  await heartbeat("default", "gw-a", 1);
  await heartbeat("edge", "gw-e", 100);
  const late = await run("apply", "-f", file, "--wait", "--timeout", "0.5");
  assert.equal(late.code, 3, late.err);
  assert.match(late.err, /gw-a \(group default\): applied 1 < \d+/);
  assert.doesNotMatch(late.err, /gw-e/);
  // ... and returns once the gateway catches up.
  writeFileSync(file, changed.replace("port: 81,", "port: 82,"));
  const waiting = run("apply", "-f", file, "--wait", "--timeout", "10");
  const before = await f.eventCount();
  for (let i = 0; i < 200 && (await f.eventCount()) === before; i++)
    await new Promise((r) => setTimeout(r, 20));
  await heartbeat("default", "gw-a", await f.eventCount());
  const waited = await waiting;
  assert.equal(waited.code, 0, waited.err);
  assert.match(waited.out, /applied by every live gateway/);

  const status = await run("status");
  assert.match(status.out, /gw-a\s+default\s+yes/);

  // Refusals: every problem, exit 1; usage errors exit 2.
  writeFileSync(file, "services:\n  - id: Bad\n    vips: [256.0.0.1]\n    ports: [{port: 0}]\n");
  const bad = await run("apply", "-f", file);
  assert.equal(bad.code, 1);
  assert.match(bad.err, /services\[0\]\.id: "Bad" is not an id/);
  assert.match(bad.err, /services\[0\]\.vips\[0\]/);
  assert.match(bad.err, /services\[0\]\.ports\[0\]\.port/);
  assert.equal((await run("get", "nonsense")).code, 2);
  assert.equal((await run("apply", "-f", join(dir, "missing.yaml"))).code, 2);
  assert.equal((await run("get", "services", "--bogus")).code, 2);

  const stale = await run("delete", "service", "web", "--if-match", "1");
  assert.equal(stale.code, 1);
  assert.match(stale.err, /version_conflict/);
  const del = await run("delete", "service", "web");
  assert.equal(del.code, 0, del.err);
  assert.match(del.out, /deleted service web/);
  const gone = await run("get", "service", "web");
  assert.equal(gone.code, 1);
  assert.match(gone.err, /404 not_found/);
});
