// Settings: defaults, every source, and every problem listed with its key.
import { test } from "node:test";
import assert from "node:assert/strict";
import { loadSettings } from "../../../libs/settings/load.ts";
import {
  parseListen,
  SETTINGS,
  validateSettings,
} from "../../../services/control-plane/settings.ts";

test("defaults", () => {
  const v = validateSettings({});
  assert.ok(v.ok, JSON.stringify(v));
  if (!v.ok) return;
  assert.deepEqual(v.value.nats.servers, ["nats://127.0.0.1:4222"]);
  assert.deepEqual(v.value.listen, { host: "127.0.0.1", port: 8080 });
  assert.equal(v.value.replicas, 1);
  assert.equal(v.value.pools.size, 0);
  assert.deepEqual(v.value.limits, {
    bodyBytes: 1 << 20,
    bulkBodyBytes: 8 << 20,
    endpointsPerService: 1000,
  });
  assert.deepEqual(
    [v.value.actorHeader, v.value.defaultActor, v.value.heartbeatIntervalMs, v.value.logLevel],
    ["x-lbaas-actor", "anonymous", 5000, "info"],
  );
});

test("env and flags: flags win (--vip-pool over LBAAS_VIP_POOLS), pools from flags replace the file's group", () => {
  const loaded = loadSettings(
    SETTINGS,
    [
      "--listen",
      "[::1]:9000",
      "--vip-pool",
      "edge=198.51.100.0/28,2001:db8:e::/120",
      "--stream-replicas",
      "3",
    ],
    {
      NATS_URL: "nats://a:4222,nats://b:4222",
      LBAAS_LISTEN: "0.0.0.0:1",
      LBAAS_VIP_POOLS: "default=203.0.113.0/28",
    },
  );
  assert.deepEqual(loaded.problems, []);
  const v = validateSettings({
    ...loaded.tree,
    vipPools: { edge: ["192.0.2.0/24"], other: ["192.0.2.0/28"] },
  });
  assert.ok(v.ok, JSON.stringify(v));
  if (!v.ok) return;
  assert.deepEqual(v.value.nats.servers, ["nats://a:4222", "nats://b:4222"]);
  assert.deepEqual(v.value.listen, { host: "::1", port: 9000 });
  assert.equal(v.value.replicas, 3);
  assert.deepEqual(
    v.value.pools.get("edge")?.map((p) => p.text),
    ["198.51.100.0/28", "2001:db8:e::/120"],
  );
  assert.equal(v.value.pools.get("default"), undefined, "the env value lost to the flag");
  assert.deepEqual(
    v.value.pools.get("other")?.map((p) => p.text),
    ["192.0.2.0/28"],
  );
});

test("every problem is listed with its key", () => {
  const v = validateSettings({
    nats: { servers: ["http://x"], user: "u" },
    listen: "nope",
    streams: { replicas: 2, extra: 1 },
    vipPools: { default: ["203.0.113.1/28"], Bad: ["192.0.2.0/24"] },
    limits: { bodyBytes: 0, endpointsPerService: 5000 },
    http: { actorHeader: "bad header" },
    status: { heartbeatIntervalMs: -1 },
    log: { level: "loud" },
    typo: true,
  });
  assert.equal(v.ok, false);
  if (v.ok) return;
  const paths = v.problems.map((p) => p.path).sort();
  assert.deepEqual(paths, [
    "http.actorHeader",
    "limits.bodyBytes",
    "limits.endpointsPerService",
    "listen",
    "log.level",
    "nats.password",
    "nats.servers[0]",
    "status.heartbeatIntervalMs",
    "streams.extra",
    "streams.replicas",
    "typo",
    "vipPools.Bad",
    "vipPools.default[0]",
  ]);
});

const listens: [string, { host: string; port: number } | null][] = [
  ["127.0.0.1:8080", { host: "127.0.0.1", port: 8080 }],
  ["localhost:0", { host: "localhost", port: 0 }],
  ["[2001:db8::1]:443", { host: "2001:db8::1", port: 443 }],
  ["127.0.0.1", null],
  ["127.0.0.1:70000", null],
  [":8080", null],
  ["2001:db8::1:80", null],
];
for (const [text, want] of listens)
  test(`listen ${JSON.stringify(text)}`, () => assert.deepEqual(parseListen(text), want));
