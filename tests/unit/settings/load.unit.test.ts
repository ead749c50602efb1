import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadSettings, type SettingSpec } from "../../../libs/settings/load.ts";

const specs: SettingSpec[] = [
  { path: "nats.servers", flag: "nats", env: "NATS_URL", kind: "list", help: "nats urls" },
  { path: "listen", flag: "listen", env: "LISTEN", kind: "string", help: "listen address" },
  { path: "nftables.enable-snat", flag: "enable-snat", env: "SNAT", kind: "boolean", help: "snat" },
  { path: "heartbeat", flag: "heartbeat", env: "HB", kind: "number", help: "seconds" },
];

test("settings - flags win over env, env over the config file", () => {
  const dir = mkdtempSync(join(tmpdir(), "lbaas-settings-"));
  try {
    const file = join(dir, "c.yaml");
    writeFileSync(file, "listen: 1.1.1.1:1\nheartbeat: 5\nnats:\n  servers: [nats://file:4222]\n");
    const got = loadSettings(specs, ["--config", file, "--listen", "127.0.0.1:9"], {
      LISTEN: "from-env",
      HB: "7",
      NATS_URL: "nats://a:1, nats://b:2",
    });
    assert.deepEqual(got.problems, []);
    assert.deepEqual(got.tree, {
      listen: "127.0.0.1:9",
      heartbeat: 7,
      nats: { servers: ["nats://a:1", "nats://b:2"] },
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("settings - --no-flag sets a boolean to false", () => {
  const got = loadSettings(specs, ["--no-enable-snat"], {});
  assert.deepEqual(got.tree, { nftables: { "enable-snat": false } });
});

const bad: [string, string[], Record<string, string>, string][] = [
  ["unknown flag", ["--bogus"], {}, "argv"],
  ["missing config file", ["--config", "/nonexistent/x.yaml"], {}, "--config"],
  ["env number", [], { HB: "soon" }, "env HB"],
  ["env boolean", [], { SNAT: "maybe" }, "env SNAT"],
  ["flag number", ["--heartbeat", "1e999x"], {}, "--heartbeat"],
];
for (const [name, argv, env, path] of bad) {
  test(`settings - ${name} is a problem naming ${path}`, () => {
    const got = loadSettings(specs, argv, env);
    assert.equal(got.problems.length, 1, JSON.stringify(got.problems));
    assert.equal(got.problems[0]?.path, path);
  });
}

test("settings - a config file that is not a mapping is a problem", () => {
  const dir = mkdtempSync(join(tmpdir(), "lbaas-settings-"));
  try {
    const file = join(dir, "c.yaml");
    writeFileSync(file, "- just\n- a list\n");
    const got = loadSettings(specs, ["--config", file], {});
    assert.match(got.problems[0]?.message ?? "", /must hold a mapping/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("settings - a list flag splits commas and may repeat", () => {
  const got = loadSettings(specs, ["--nats", "nats://a:1,nats://b:2", "--nats", "nats://c:3"], {});
  assert.deepEqual(got.tree, { nats: { servers: ["nats://a:1", "nats://b:2", "nats://c:3"] } });
});
