// The gateway as a real process (bin/lbaas-gateway.ts): kill -9 in the middle of
// an apply then restart converges; SIGTERM stops gracefully leaving the rules in
// place; health, readiness and metrics over HTTP; remove-tables; bad settings.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";
import type { Msg } from "@nats-io/transport-node";
import { decodeHeartbeat, decodeReport } from "../../../libs/events/codec.ts";
import type { GatewayHeartbeat, GatewayReport } from "../../../libs/events/status.ts";
import { STATUS_TYPE_HEADER } from "../../../services/gateway/status-outbox.ts";
import { freePort } from "../../harness/nats.ts";
import { createNetns, nftIn, type TestNetns } from "../nft/netns.ts";
import { EventLog, serviceOf } from "../../unit/gateway/event-log.ts";
import {
  Publisher,
  eventually,
  expectedRuleset,
  inventoryOfSpecs,
  kernelDifferences,
  useBus,
} from "./fixture.ts";

const f = useBus();
const namespaces: TestNetns[] = [];
const children: ChildProcess[] = [];
after(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  for (const ns of namespaces) ns.remove();
});

const NODE = process.execPath;
const BIN = new URL("../../../bin/lbaas-gateway.ts", import.meta.url).pathname;

function netns(): TestNetns {
  const ns = createNetns();
  namespaces.push(ns);
  return ns;
}

function natsArgs(): string[] {
  const o = f.server.connectOptions;
  return [
    "--nats",
    f.server.url,
    ...(o.user ? ["--nats-user", o.user, "--nats-password", o.pass ?? ""] : []),
  ];
}

function spawnGateway(args: string[]): ChildProcess {
  const child = spawn(NODE, [BIN, ...args], { stdio: ["ignore", "ignore", "inherit"] });
  children.push(child);
  return child;
}

interface StatusLog {
  reports: GatewayReport[];
  heartbeats: GatewayHeartbeat[];
}

/** Collects the status messages of one gateway from its subject (core subscription). */
function watchStatus(group: string, id: string): StatusLog {
  const log: StatusLog = { reports: [], heartbeats: [] };
  f.nc.subscribe(`lbaas.status.${group}.${id}`, {
    callback: (_err: Error | null, m: Msg) => {
      if (m.headers?.get(STATUS_TYPE_HEADER) === "heartbeat")
        log.heartbeats.push(decodeHeartbeat(m.data));
      else log.reports.push(decodeReport(m.data));
    },
  });
  return log;
}

function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once("exit", (code) => resolve(code)));
}

test("kill -9 in the middle of an apply, then a restart, converges", async () => {
  const group = "kill";
  const log = new EventLog(group);
  const pub = new Publisher(() => f.js);
  const services = Array.from({ length: 3000 }, (_, i) =>
    serviceOf(`s${i}`, group, `203.0.113.${(i % 250) + 1}`, 1000 + Math.floor(i / 250)),
  );
  let headA = 0;
  for (const s of services) headA = await pub.publish(log.upsertService(s));
  const ns = netns();
  const status = watchStatus(group, "gw-kill");
  const args = [
    ...natsArgs(),
    "--id",
    "gw-kill",
    "--group",
    group,
    "--netns",
    ns.name,
    "--listen",
    "",
    "--log-level",
    "warn",
  ];
  const stateA = expectedRuleset(inventoryOfSpecs(services, []));

  // 1. A gateway applies state A, then dies.
  const first = spawnGateway(args);
  await eventually(
    () => status.reports.some((r) => r.result.ok && r.streamSequence === headA),
    60_000,
    "ack of A",
  );
  first.kill("SIGKILL");
  await exited(first);

  // 2. While no gateway runs, 600 services are deleted (state B).
  let headB = 0;
  for (let i = 0; i < 600; i++) headB = await pub.publish(log.deleteService(`s${i}`));
  const stateB = expectedRuleset(inventoryOfSpecs(services.slice(600), []));

  // 3. The next gateway is killed while its first (full) apply runs in nft.
  const reportsBefore = status.reports.length;
  const second = spawnGateway(args);
  let nftPid = "";
  await eventually(
    () => {
      nftPid = spawnSync("pgrep", ["-P", String(second.pid)], { encoding: "utf8" }).stdout.trim();
      return nftPid !== "";
    },
    30_000,
    "nft child",
  );
  second.kill("SIGKILL");
  await exited(second);
  // The orphaned nft finishes or dies on its own; either way the kernel holds A or B, whole.
  await eventually(
    () => nftPid.split("\n").every((p) => spawnSync("kill", ["-0", p]).status !== 0),
    30_000,
    "nft exit",
  );
  const diffA = await kernelDifferences(ns.name, stateA.ruleset);
  const diffB = await kernelDifferences(ns.name, stateB.ruleset);
  assert.ok(
    diffA.length === 0 || diffB.length === 0,
    `kernel holds neither A nor B: ${diffA.length}/${diffB.length}`,
  );
  assert.equal(status.reports.length, reportsBefore, "killed before it could report");
  process.stderr.write(
    `[kill -9] kernel after the kill holds state ${diffA.length === 0 ? "A (old)" : "B (new)"}\n`,
  );

  // 4. A restart converges to B with a full sync.
  const third = spawnGateway(args);
  await eventually(
    () => status.reports.some((r) => r.result.ok && r.streamSequence === headB),
    60_000,
    "ack of B",
  );
  const ack = status.reports.slice(reportsBefore).find((r) => r.result.ok)!;
  assert.deepEqual(
    [ack.syncKind, ack.rulesetHash, ack.counts.services],
    ["full", stateB.hash, 2400],
  );
  assert.deepEqual(await kernelDifferences(ns.name, stateB.ruleset), []);
  third.kill("SIGKILL");
  await exited(third);
});

test("SIGTERM: health, readiness and metrics before; exit 0, last heartbeat, rules left in place", async () => {
  const group = "term";
  const log = new EventLog(group);
  const pub = new Publisher(() => f.js);
  const head = await pub.publish(log.upsertService(serviceOf("web", group, "203.0.113.10")));
  const ns = netns();
  const port = await freePort();
  const status = watchStatus(group, "gw-term");
  const child = spawnGateway([
    ...natsArgs(),
    "--id",
    "gw-term",
    "--group",
    group,
    "--netns",
    ns.name,
    "--listen",
    `127.0.0.1:${port}`,
    "--heartbeat-ms",
    "60000",
  ]);
  const base = `http://127.0.0.1:${port}`;
  await eventually(
    async () => (await fetch(`${base}/readyz`).catch(() => null))?.status === 200,
    20_000,
    "ready",
  );
  const health = await fetch(`${base}/healthz`);
  assert.equal(health.status, 200);
  assert.deepEqual(await health.json(), {
    status: "ok",
    lastApplyOk: true,
    appliedSeq: head,
    receivedSeq: head,
    rulesetHash: status.reports.at(-1)?.rulesetHash ?? "(no report seen)",
    lastError: null,
    consecutiveFailures: 0,
  });
  const metrics = await (await fetch(`${base}/metrics`)).text();
  assert.match(
    metrics,
    /lbaas_gateway_applies_total\{kind="full",result="ok",gateway="gw-term",group="term"\} 1/,
  );
  assert.match(metrics, new RegExp(`lbaas_gateway_last_applied_sequence\\{[^}]*\\} ${head}`));
  assert.match(metrics, /lbaas_gateway_lag_sequences\{[^}]*\} 0\n/);
  assert.match(metrics, /lbaas_gateway_apply_duration_seconds_bucket/);
  assert.match(metrics, /process_resident_memory_bytes/);

  const beatsBefore = status.heartbeats.length;
  child.kill("SIGTERM");
  assert.equal(await exited(child), 0);
  await eventually(() => status.heartbeats.length > beatsBefore, 5_000, "last heartbeat");
  const last = status.heartbeats.at(-1)!;
  assert.deepEqual([last.appliedSequence, last.lastError], [head, null]);
  assert.match(
    nftIn(ns, "list", "table", "inet", "lbaas"),
    /svc-web-tcp-80-v4/,
    "rules stay after stop",
  );

  // remove-tables deletes the owned tables, and only those.
  nftIn(ns, "add", "table", "inet", "operator");
  const rm = spawnSync(NODE, [BIN, "remove-tables", "--netns", ns.name], { encoding: "utf8" });
  assert.equal(rm.status, 0, rm.stderr);
  assert.equal(nftIn(ns, "list", "tables").trim(), "table inet operator");
  const again = spawnSync(NODE, [BIN, "remove-tables", "--netns", ns.name], { encoding: "utf8" });
  assert.equal(again.status, 0, "idempotent: " + again.stderr);
});

test("bad settings exit 2 listing every problem; nothing is started", async () => {
  const r = spawnSync(NODE, [BIN, "--nats", "http://x", "--id", "Bad_Id", "--fwmark-mask", "0"], {
    encoding: "utf8",
  });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /nats\.servers\[0\]: "http:\/\/x" is not a nats:\/\/ url/);
  assert.match(r.stderr, /id: "Bad_Id" is not a dns label/);
  assert.match(r.stderr, /nftables\.fwmark-mask: 0 is not a mask/);
  const rm = spawnSync(NODE, [BIN, "remove-tables", "--nat-table-name", "bad name"], {
    encoding: "utf8",
  });
  assert.equal(rm.status, 2);
  assert.match(rm.stderr, /nftables\.nat-table-name/);
  await sleep(0);
});
