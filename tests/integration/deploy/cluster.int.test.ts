// deploy/nats/cluster.conf (what compose.yaml runs on nats-1..3) on three real
// nats-server 2.9.10 processes, adapted only in addresses and store paths: the
// nodes take their names from NATS_SERVER_NAME, form a JetStream cluster, and the
// real control plane with its deployed credentials creates the streams with 3
// replicas and accepts a write.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { copyFileSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import {
  freePort,
  makeTempDir,
  removeDir,
  spawnNatsServer,
  stopNatsProcess,
  type NatsProcess,
} from "../../harness/nats.ts";
import { inboxPrefixOf, randomPassword, ROLE_PASSWORD_ENV } from "./deployed-nats.ts";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const NODES = ["nats-1", "nats-2", "nats-3"];
let dir: string;
const nodes: NatsProcess[] = [];
let cp: ChildProcess | null = null;
const cpPassword = randomPassword();

function sub(text: string, pattern: RegExp, replacement: string): string {
  assert.match(text, pattern, `cluster.conf: nothing matches ${String(pattern)}`);
  return text.replace(pattern, replacement);
}

before(async () => {
  dir = makeTempDir("lbaas-nats-cluster");
  const clientPorts = [await freePort(), await freePort(), await freePort()];
  const routePorts = [await freePort(), await freePort(), await freePort()];
  const shipped = readFileSync(join(root, "deploy/nats/cluster.conf"), "utf8");
  copyFileSync(join(root, "deploy/nats/accounts.conf"), join(dir, "accounts.conf"));
  for (const env of Object.values(ROLE_PASSWORD_ENV))
    process.env[env] = env === "LBAAS_CP_PASSWORD" ? cpPassword : randomPassword();
  for (const [i, name] of NODES.entries()) {
    let conf = sub(shipped, /^listen: .*$/m, `listen: 127.0.0.1:${clientPorts[i]}`);
    conf = sub(conf, /^http: .*$/m, "");
    conf = sub(conf, /^\s*store_dir: .*$/m, `  store_dir: "${join(dir, name)}"`);
    conf = sub(conf, /^\s*listen: 0\.0\.0\.0:6222$/m, `  listen: 127.0.0.1:${routePorts[i]}`);
    for (const [j, other] of NODES.entries())
      conf = sub(
        conf,
        new RegExp(`nats-route://${other}:6222`),
        `nats-route://127.0.0.1:${routePorts[j]}`,
      );
    const file = join(dir, `${name}.conf`);
    writeFileSync(file, conf);
    // The server name comes from the environment, as in compose.yaml.
    process.env["NATS_SERVER_NAME"] = name;
    nodes.push(await spawnNatsServer(["-c", file], dir, `${name}.log`));
  }
  delete process.env["NATS_SERVER_NAME"];
});

after(async () => {
  if (cp !== null && cp.exitCode === null) {
    const exited = new Promise((r) => cp?.once("exit", r));
    cp.kill("SIGTERM");
    await exited;
  }
  for (const n of nodes) await stopNatsProcess(n.child);
  removeDir(dir);
});

test("the three nodes form a JetStream cluster named by their environment", async () => {
  const nc = await connect({
    servers: nodes.map((n) => n.url),
    user: "control-plane",
    pass: cpPassword,
    inboxPrefix: inboxPrefixOf("control-plane"),
  });
  try {
    // No API check at creation: the meta leader may still be in election.
    const jsm = await jetstreamManager(nc, { checkAPI: false });
    const deadline = Date.now() + 30_000;
    let info = await jsm.getAccountInfo().catch(() => null);
    while (info === null && Date.now() < deadline) {
      await sleep(250);
      info = await jsm.getAccountInfo().catch(() => null);
    }
    assert.ok(info !== null, "JetStream not available on the cluster within 30 s");
    const names = NODES.map((n) => readFileSync(join(dir, `${n}.log`), "utf8"));
    for (const [i, log] of names.entries()) assert.match(log, new RegExp(`Name:\\s+${NODES[i]}`));
  } finally {
    await nc.close();
  }
});

test("the real control plane creates R3 streams and takes a write with its deployed credentials", async () => {
  const port = await freePort();
  cp = spawn(
    process.execPath,
    [join(root, "bin/lbaas-control-plane.ts"), "--listen", `127.0.0.1:${port}`].concat([
      "--stream-replicas",
      "3",
      "--log-level",
      "warn",
    ]),
    {
      stdio: ["ignore", "ignore", "inherit"],
      env: {
        ...process.env,
        NATS_URL: nodes.map((n) => n.url).join(","),
        NATS_USER: "control-plane",
        NATS_PASSWORD: cpPassword,
        NATS_INBOX_PREFIX: inboxPrefixOf("control-plane"),
      },
    },
  );
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  while (
    !(await fetch(`${base}/readyz`).then(
      (r) => r.ok,
      () => false,
    ))
  ) {
    assert.ok(Date.now() < deadline, "control plane not ready within 60 s");
    assert.equal(cp.exitCode, null, "control plane exited");
    await sleep(250);
  }
  const r = await fetch(`${base}/v1/services/web`, {
    method: "PUT",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      vips: ["203.0.113.10"],
      ports: [{ protocol: "tcp", port: 80, targetPort: 8080 }],
    }),
  });
  assert.equal(r.status, 201, await r.text());
  const nc = await connect({
    servers: nodes.map((n) => n.url),
    user: "control-plane",
    pass: cpPassword,
    inboxPrefix: inboxPrefixOf("control-plane"),
  });
  try {
    const info = await (await jetstreamManager(nc)).streams.info("LBAAS_EVENTS");
    assert.equal(info.config.num_replicas, 3);
    assert.equal(info.state.messages, 1);
    assert.equal((info.cluster?.replicas?.length ?? 0) + 1, 3);
  } finally {
    await nc.close();
  }
});
