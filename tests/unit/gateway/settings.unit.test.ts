import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadSettings } from "../../../libs/settings/load.ts";
import {
  GATEWAY_SETTING_SPECS,
  gatewayIdFromHostname,
  parseListen,
  validateGatewayConfig,
} from "../../../services/gateway/settings.ts";

function configOf(argv: string[], env: Record<string, string> = {}, hostname = "gw-host") {
  const loaded = loadSettings(GATEWAY_SETTING_SPECS, argv, env);
  assert.deepEqual(loaded.problems, []);
  return validateGatewayConfig(loaded.tree, hostname);
}

test("gateway settings - defaults with only a nats url; id from the host name", () => {
  const r = configOf([], { NATS_URL: "nats://127.0.0.1:4222" }, "Edge-GW_01.example.net");
  assert.ok(r.ok, JSON.stringify(r));
  assert.equal(r.value.id, "edge-gw-01");
  assert.equal(r.value.group, "default");
  assert.deepEqual(r.value.listen, { host: "127.0.0.1", port: 9180 });
  assert.equal(r.value.nftables.natTableName, "lbaas");
  assert.equal(r.value.dryRun, false);
  assert.equal(r.value.netns, null);
  assert.deepEqual(
    [r.value.coalesceQuietMs, r.value.coalesceMaxMs, r.value.retryMaxMs, r.value.heartbeatMs],
    [50, 200, 30_000, 5_000],
  );
});

test("gateway settings - file, env and flags merge; flags win; seed keys reach nftables", () => {
  const dir = mkdtempSync(join(tmpdir(), "gw-settings-"));
  try {
    const file = join(dir, "gw.yaml");
    writeFileSync(
      file,
      [
        "id: from-file",
        "group: edge",
        "nats: {servers: ['nats://file:4222'], user: u, password: p}",
        "nftables: {nat-table-name: lbnat, fwmark-bits: 0x10, fwmark-mask: 0xf0}",
        "heartbeat-ms: 5000",
      ].join("\n"),
    );
    const r = configOf(
      ["--config", file, "--id", "from-flag", "--no-enable-snat", "--netns", "gw1", "--dry-run"],
      { LBAAS_GATEWAY_ID: "from-env", LBAAS_GATEWAY_GROUP: "env-group" },
    );
    assert.ok(r.ok, JSON.stringify(r));
    assert.equal(r.value.id, "from-flag");
    assert.equal(r.value.group, "env-group");
    assert.deepEqual(r.value.nats.servers, ["nats://file:4222"]);
    assert.equal(r.value.nats.user, "u");
    assert.equal(r.value.nftables.natTableName, "lbnat");
    assert.equal(r.value.nftables.enableSnat, false);
    assert.equal(r.value.nftables.fwmarkBits, 0x10);
    assert.equal(r.value.nftables.fwmarkMask, 0xf0);
    assert.equal(r.value.heartbeatMs, 5000);
    assert.equal(r.value.netns, "gw1");
    assert.equal(r.value.dryRun, true);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("gateway settings - every problem is listed with its key", () => {
  const loaded = loadSettings(
    GATEWAY_SETTING_SPECS,
    [
      "--nats",
      "http://x",
      "--id",
      "Not_A_Label",
      "--group",
      "",
      "--fwmark-bits",
      "0x3",
      "--fwmark-mask",
      "0x1",
      "--listen",
      "nowhere",
      "--coalesce-quiet-ms",
      "300",
      "--netns",
      "bad ns",
      "--log-level",
      "loud",
    ],
    {},
  );
  const r = validateGatewayConfig({ ...loaded.tree, surprise: 1 }, "h");
  assert.equal(r.ok, false);
  const paths = r.ok ? [] : r.problems.map((p) => p.path).sort();
  assert.deepEqual(paths, [
    "coalesce-max-ms",
    "group",
    "id",
    "listen",
    "log-level",
    "nats.servers[0]",
    "netns",
    "nftables.fwmark-bits",
    "surprise",
  ]);
});

test("gateway settings - without nats servers the gateway uses the local default", () => {
  const r = configOf([]);
  assert.equal(r.ok, true, JSON.stringify(r));
  assert.deepEqual(r.ok ? r.value.nats.servers : [], ["nats://127.0.0.1:4222"]);
});

test("gateway settings - an empty nats server list is a problem", () => {
  const r = configOf([], { NATS_URL: " , " });
  assert.equal(r.ok, false);
  assert.deepEqual(r.ok ? [] : r.problems.map((p) => p.path), ["nats.servers"]);
});

test("gateway settings - host names that leave no label give an id problem", () => {
  assert.equal(gatewayIdFromHostname("---"), "");
  const r = configOf([], { NATS_URL: "nats://a:1" }, "---");
  assert.equal(r.ok, false);
  assert.deepEqual(r.ok ? [] : r.problems.map((p) => p.path), ["id"]);
});

const listenCases: [string, ReturnType<typeof parseListen>][] = [
  ["127.0.0.1:9180", { host: "127.0.0.1", port: 9180 }],
  ["[::1]:80", { host: "::1", port: 80 }],
  ["localhost:0", { host: "localhost", port: 0 }],
  ["", null],
  ["1.2.3.4", undefined],
  ["1.2.3.4:70000", undefined],
  [":80", undefined],
];
for (const [text, want] of listenCases) {
  test(`gateway settings - listen ${JSON.stringify(text)}`, () => {
    assert.deepEqual(parseListen(text), want);
  });
}
