// deploy/nats/accounts.conf, enforced by a real nats-server 2.9.10 against the
// real code: each role's credentials can do exactly what its program does, and
// nothing that matters more. The control plane and the gateway run as the real
// processes (bin/*.ts, credentials in their environment, the gateway in
// --dry-run inside a throwaway namespace); the refusals are tried with the real
// libs (appendEvent, the JetStream client) under the same credentials.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFile, type ChildProcess } from "node:child_process";
import { closeSync, openSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { parse } from "yaml";
import { appendEvent } from "../../../libs/bus/append.ts";
import { createNamespace, type BareNamespace } from "../../harness/netns.ts";
import { freePort, makeTempDir } from "../../harness/nats.ts";
import { inboxPrefixOf, startDeployedNats, type DeployedNats, type Role } from "./deployed-nats.ts";

const root = fileURLToPath(new URL("../../../", import.meta.url));
let nats: DeployedNats;
let ns: BareNamespace;
let logs: string;
const children: ChildProcess[] = [];
const conns: NatsConnection[] = [];
let cpUrl = "";

/** Starts a bin with `role`'s credentials in its environment (never on its command line). */
function startBin(bin: string, role: Role, args: readonly string[]): string {
  const log = join(logs, `${role}.log`);
  const fd = openSync(log, "a");
  const child = spawn(process.execPath, [join(root, "bin", bin), ...args], {
    stdio: ["ignore", fd, fd],
    env: {
      ...process.env,
      NATS_USER: role,
      NATS_PASSWORD: nats.passwords[role],
      NATS_INBOX_PREFIX: inboxPrefixOf(role),
    },
  });
  closeSync(fd);
  children.push(child);
  return log;
}

async function until<T>(what: string, probe: () => Promise<T | null>, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe().catch(() => null);
    if (value !== null) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

async function connectAs(role: Role): Promise<NatsConnection> {
  const nc = await connect(nats.as(role));
  conns.push(nc);
  return nc;
}

interface GatewayRow {
  gatewayId: string;
  live: boolean;
  appliedSeq: number;
  lastError: unknown;
}

async function gatewayRow(id: string): Promise<GatewayRow | null> {
  const r = await fetch(`${cpUrl}/v1/status?services=false`);
  const body = (await r.json()) as { gateways: GatewayRow[] };
  return body.gateways.find((g) => g.gatewayId === id) ?? null;
}

/** PUT the inventory file through the control plane; resolves with the answer's last sequence. */
async function putInventory(file: string): Promise<number> {
  const doc = parse(readFileSync(join(root, file), "utf8")) as unknown;
  const r = await fetch(`${cpUrl}/v1/inventory?prune=false`, {
    method: "PUT",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(doc),
  });
  const body = (await r.json()) as { lastSeqByGroup?: Record<string, number> };
  assert.equal(r.status, 200, JSON.stringify(body));
  return body.lastSeqByGroup?.["default"] ?? 0;
}

before(async () => {
  nats = await startDeployedNats();
  logs = makeTempDir("lbaas-nats-logs");
  ns = await createNamespace("permgw");
});

after(async () => {
  for (const c of children) {
    if (c.exitCode !== null || c.signalCode !== null) continue;
    const exited = new Promise((resolve) => c.once("exit", resolve));
    c.kill("SIGTERM");
    await exited;
  }
  for (const nc of conns) await nc.close();
  await ns?.stop();
  await nats?.stop();
});

test("control-plane credentials run the real control plane: streams, events, views", async () => {
  const port = await freePort();
  cpUrl = `http://127.0.0.1:${port}`;
  startBin("lbaas-control-plane.ts", "control-plane", [
    "--nats",
    nats.url,
    "--listen",
    `127.0.0.1:${port}`,
  ]);
  await until("control plane ready", async () =>
    (await fetch(`${cpUrl}/readyz`)).ok ? true : null,
  );
  assert.equal(await putInventory("demo/inventory.yaml"), 5);
});

test("gateway credentials run the real gateway: bootstrap, follow, status reports", async () => {
  const port = await freePort();
  startBin("lbaas-gateway.ts", "gw-a", [
    "--nats",
    nats.url,
    "--id",
    "gw-a",
    "--group",
    "default",
    "--netns",
    ns.name,
    "--dry-run",
    "--listen",
    `127.0.0.1:${port}`,
    "--heartbeat-ms",
    "500",
  ]);
  // Bootstrap read the 5 events, applied, and the status reached the control plane.
  let row = await until("gw-a applied seq 5", async () => {
    const g = await gatewayRow("gw-a");
    return g !== null && g.live && g.appliedSeq >= 5 ? g : null;
  });
  assert.equal(row.lastError, null);
  // Following: a change published later is applied and reported too.
  const head = await putInventory("demo/inventory-changed.yaml");
  assert.ok(head > 5);
  row = await until(`gw-a applied seq ${head}`, async () => {
    const g = await gatewayRow("gw-a");
    return g !== null && g.appliedSeq >= head ? g : null;
  });
  assert.equal(row.lastError, null);
});

test("gateway credentials cannot publish events, another gateway's status, nor read another group", async () => {
  const gw = await connectAs("gw-a");
  const js = jetstream(gw);
  const event = {
    data: new Uint8Array([1]),
    version: 1,
    expectedLastSubjectSeq: 0,
    timeoutMs: 2_000,
  };
  await assert.rejects(
    appendEvent(js, {
      ...event,
      subject: "lbaas.evt.default.service.x",
      msgId: "default.service.x.v1",
    }),
    /permissions violation for publish to "lbaas\.evt\.default\.service\.x"/,
  );
  await assert.rejects(
    js.publish("lbaas.status.default.gw-b", new Uint8Array([1]), { timeout: 2_000 }),
    /Permissions Violation for Publish to "lbaas\.status\.default\.gw-b"/,
  );
  const own = await js.publish("lbaas.status.default.gw-a", new Uint8Array([1]), {
    timeout: 2_000,
  });
  assert.equal(own.stream, "LBAAS_STATUS");

  const jsm = await jetstreamManager(gw, { checkAPI: false });
  await assert.rejects(
    jsm.consumers.add("LBAAS_EVENTS", { name: "peek", filter_subject: "lbaas.evt.other.>" }),
    /Permissions Violation for Publish to "\$JS\.API\.CONSUMER\.CREATE\.LBAAS_EVENTS\.peek\.lbaas\.evt\.other\.>"/,
  );
  // The filter in the allowed create subject must match the body's: 2.9.10 checks (10131).
  const sneaky = await gw.request(
    "$JS.API.CONSUMER.CREATE.LBAAS_EVENTS.sneaky.lbaas.evt.default.>",
    JSON.stringify({
      stream_name: "LBAAS_EVENTS",
      config: { name: "sneaky", filter_subject: "lbaas.evt.other.>", ack_policy: "none" },
    }),
  );
  assert.equal(sneaky.json<{ error?: { err_code: number } }>().error?.err_code, 10131);
  // No single-message get: its body names any sequence or subject, of any group.
  await assert.rejects(
    jsm.streams.getMessage("LBAAS_EVENTS", { seq: 1 }),
    /Permissions Violation for Publish to "\$JS\.API\.STREAM\.MSG\.GET\.LBAAS_EVENTS"/,
  );
  await assert.rejects(jsm.streams.delete("LBAAS_EVENTS"), /Permissions Violation/);
  await assert.rejects(jsm.streams.purge("LBAAS_STATUS"), /Permissions Violation/);

  // Nothing landed: checked with the auditor's (read-only) credentials.
  const audit = await jetstreamManager(await connectAs("auditor"));
  const last = (stream: string, subject: string) =>
    audit.streams.getMessage(stream, { last_by_subj: subject }).catch((err: Error) => err.message);
  assert.equal(await last("LBAAS_EVENTS", "lbaas.evt.default.service.x"), null);
  assert.equal(await last("LBAAS_STATUS", "lbaas.status.default.gw-b"), null);
  assert.notEqual(await last("LBAAS_STATUS", "lbaas.status.default.gw-a"), null);
});

test("each user reads replies on its own inbox prefix only: not the default one, not another's", async () => {
  const gw = await connectAs("gw-a");
  for (const subject of ["_INBOX.>", "_INBOX_control-plane.>", "_INBOX_gw-b.x", ">"]) {
    const denied = new Promise<Error>((resolve) => {
      gw.subscribe(subject, {
        callback: (err) => {
          if (err !== null) resolve(err);
        },
      });
    });
    const answer = await Promise.race([
      denied,
      sleep(5_000).then(() => new Error(`no refusal of ${subject} within 5 s`)),
    ]);
    assert.match(answer.message, /Permissions Violation for Subscription to/, subject);
  }
  // A client on the default prefix gets no JetStream answer: its reply inbox is refused.
  const { inboxPrefix: _own, ...defaultInbox } = nats.as("gw-a");
  const plain = await connect(defaultInbox);
  conns.push(plain);
  await assert.rejects(
    jetstreamManager(plain).then((m) => m.streams.info("LBAAS_EVENTS")),
    /Permissions Violation|timeout|TIMEOUT/i,
  );
});

test("control-plane credentials cannot publish a gateway's status", async () => {
  const js = jetstream(await connectAs("control-plane"));
  await assert.rejects(
    js.publish("lbaas.status.default.gw-a", new Uint8Array([1]), { timeout: 2_000 }),
    /Permissions Violation for Publish to "lbaas\.status\.default\.gw-a"/,
  );
});

test("auditor credentials read the log (lbaas history, audit verify) and write nothing", async () => {
  const cli = (args: readonly string[]): Promise<{ code: number; out: string }> =>
    new Promise((resolve) => {
      execFile(
        process.execPath,
        [join(root, "bin/lbaas.ts"), ...args, "--nats", nats.url],
        {
          env: {
            ...process.env,
            NATS_USER: "auditor",
            NATS_PASSWORD: nats.passwords.auditor,
            NATS_INBOX_PREFIX: inboxPrefixOf("auditor"),
          },
        },
        (err, stdout, stderr) =>
          resolve({ code: err === null ? 0 : Number(err.code ?? 1), out: stdout + stderr }),
      );
    });
  const history = await cli(["history", "endpoints", "web"]);
  assert.equal(history.code, 0, history.out);
  assert.match(history.out, /endpoints\[1\]\.state: "ready" → "draining"/);
  const verify = await cli(["audit", "verify"]);
  assert.equal(verify.code, 0, verify.out);

  const auditor = await connectAs("auditor");
  await assert.rejects(
    appendEvent(jetstream(auditor), {
      subject: "lbaas.evt.default.service.x",
      msgId: "default.service.x.v1",
      data: new Uint8Array([1]),
      version: 1,
      expectedLastSubjectSeq: 0,
      timeoutMs: 2_000,
    }),
    /permissions violation/,
  );
  const jsm = await jetstreamManager(auditor);
  await assert.rejects(jsm.streams.purge("LBAAS_EVENTS"), /Permissions Violation/);
});

test("no process logged a password", () => {
  for (const role of ["control-plane", "gw-a"] as const) {
    const log = readFileSync(join(logs, `${role}.log`), "utf8");
    assert.ok(log.length > 0, `${role} logged nothing`);
    assert.ok(!log.includes("Permissions Violation"), `${role}: ${log}`);
    for (const password of Object.values(nats.passwords))
      assert.ok(!log.includes(password), `${role}'s log holds a password`);
  }
});
