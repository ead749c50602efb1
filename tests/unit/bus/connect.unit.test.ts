import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { natsConnectOptions, validateNatsSettings } from "../../../libs/bus/connect.ts";
import { isBusError } from "../../../libs/bus/errors.ts";

const problemsOf = (input: unknown): string[] => {
  const r = validateNatsSettings(input);
  return r.ok ? [] : r.problems.map((p) => `${p.path}: ${p.message}`);
};

test("valid settings pass unchanged", () => {
  const cases: unknown[] = [
    { servers: ["nats://127.0.0.1:4222"] },
    { servers: ["nats://a:4222", "tls://b.example:4443", "nats://[2001:db8::1]:4222"] },
    { servers: ["nats://x"], name: "gateway gw-1", user: "u", password: "p" },
    { servers: ["nats://x"], token: "t" },
    { servers: ["nats://x"], credsFile: "/etc/lbaas/gw.creds", tls: { caFile: "/ca.pem" } },
    { servers: ["nats://x"], nkeySeedFile: "/s", tls: { certFile: "/c", keyFile: "/k" } },
    { servers: ["nats://x"], inboxPrefix: "_INBOX_gw-a" },
    { servers: ["nats://x"], inboxPrefix: "_I.gw_1.x-y" },
  ];
  for (const input of cases) {
    const r = validateNatsSettings(input);
    assert.ok(r.ok, JSON.stringify(input));
    assert.deepEqual(r.value, input);
  }
});

test("every problem is reported with its path", () => {
  const table: [unknown, string[]][] = [
    [null, ["nats: null is not an object"]],
    [{}, ["nats.servers: missing, expected a non-empty list of nats:// urls"]],
    [{ servers: [] }, ["nats.servers: [] is not a non-empty list of nats:// urls"]],
    [{ servers: "nats://x" }, ['nats.servers: "nats://x" is not a non-empty list of nats:// urls']],
    [{ servers: ["nats//x"] }, ['nats.servers[0]: "nats//x" is not a nats:// url']],
    [
      { servers: ["nats://ok", "http://x:80", 4222] },
      [
        'nats.servers[1]: "http://x:80" is not a nats:// url (scheme must be nats:// or tls://)',
        "nats.servers[2]: 4222 is not a nats:// url",
      ],
    ],
    [{ servers: ["nats://x:99999"] }, ['nats.servers[0]: "nats://x:99999" is not a nats:// url']],
    [
      { servers: ["nats://x:0"] },
      ['nats.servers[0]: "nats://x:0": port 0 is not a port (1-65535)'],
    ],
    [
      { servers: ["nats://u:p@x:4222"] },
      [
        'nats.servers[0]: "nats://u:p@x:4222": credentials in the url are ignored by the client; use user/password',
      ],
    ],
    [
      { servers: ["nats://x/path"] },
      [
        'nats.servers[0]: "nats://x/path" is not a nats:// url (no path, query or fragment allowed)',
      ],
    ],
    [
      { servers: ["nats://x"], user: "u" },
      ["nats.password: user and password go together: one is missing"],
    ],
    [
      { servers: ["nats://x"], password: "p" },
      ["nats.user: user and password go together: one is missing"],
    ],
    [
      { servers: ["nats://x"], token: "t", credsFile: "/c" },
      ['nats: choose one authentication method, got "token", "credsFile"'],
    ],
    [{ servers: ["nats://x"], token: "" }, ['nats.token: "" is not a non-empty string']],
    [{ servers: ["nats://x"], name: 3 }, ["nats.name: 3 is not a non-empty string"]],
    [{ servers: ["nats://x"], tls: "yes" }, ['nats.tls: "yes" is not an object']],
    [
      { servers: ["nats://x"], tls: { certFile: "/c", ca: "/x" } },
      [
        'nats.tls.ca: unknown setting "ca"',
        "nats.tls.keyFile: certFile and keyFile go together: one is missing",
      ],
    ],
    [{ servers: ["nats://x"], pass: "p" }, ['nats.pass: unknown setting "pass"']],
    ...["", "_INBOX.>", "_INBOX.*", "a b", "a..b", ".a", "a.", "x\ny"].map(
      (bad): [unknown, string[]] => [
        { servers: ["nats://x"], inboxPrefix: bad },
        [
          `nats.inboxPrefix: ${JSON.stringify(bad)} is not a subject prefix (tokens of letters, digits, _ and - joined by dots; no wildcards)`,
        ],
      ],
    ),
    [
      { servers: ["nats://x"], inboxPrefix: 7 },
      [
        "nats.inboxPrefix: 7 is not a subject prefix (tokens of letters, digits, _ and - joined by dots; no wildcards)",
      ],
    ],
  ];
  for (const [input, expected] of table)
    assert.deepEqual(problemsOf(input), expected, JSON.stringify(input));
});

test("validation never throws, whatever the input", () => {
  const weird: unknown[] = [
    undefined,
    0,
    "x",
    [],
    () => 1,
    Symbol("s"),
    { servers: [null, {}, []] },
  ];
  for (const input of weird) assert.ok(!validateNatsSettings(input).ok);
});

test("a custom path prefixes every problem", () => {
  const r = validateNatsSettings({ servers: ["nats//x"] }, "gateway.nats");
  assert.ok(!r.ok);
  assert.equal(r.problems[0]?.path, "gateway.nats.servers[0]");
});

test("connection options: servers, auth, tls and reconnect-forever defaults", () => {
  const o = natsConnectOptions({
    servers: ["nats://a:4222", "nats://b:4222"],
    name: "cp",
    user: "u",
    password: "p",
    tls: { caFile: "/ca.pem" },
  });
  assert.deepEqual(o.servers, ["nats://a:4222", "nats://b:4222"]);
  assert.equal(o.name, "cp");
  assert.equal(o.user, "u");
  assert.equal(o.pass, "p");
  assert.deepEqual(o.tls, { caFile: "/ca.pem" });
  assert.equal(o.reconnect, true);
  assert.equal(o.maxReconnectAttempts, -1);
  assert.ok((o.reconnectJitter ?? 0) > 0, "jittered reconnects");
  assert.equal(o.token, undefined);
  assert.equal(o.authenticator, undefined);
  assert.equal(o.inboxPrefix, undefined, "the client's default inbox unless set");
  assert.equal(
    natsConnectOptions({ servers: ["nats://a"], inboxPrefix: "_INBOX_gw-a" }).inboxPrefix,
    "_INBOX_gw-a",
  );
});

test("credential files are read now: a missing one is a typed error naming the field", () => {
  const dir = mkdtempSync(join(tmpdir(), "lbaas-connect-"));
  try {
    assert.throws(
      () => natsConnectOptions({ servers: ["nats://x"], credsFile: join(dir, "missing.creds") }),
      (err) =>
        isBusError(err, "invalid_settings") && /nats\.credsFile: cannot read/.test(err.message),
    );
    const seed = join(dir, "seed.nk");
    writeFileSync(seed, "SUAIBDPBAUTWCWBKIO6XHQNINK5FWJW4OHLXC3HQ2KFE4PEJUA44CNHTC4\n");
    const o = natsConnectOptions({ servers: ["nats://x"], nkeySeedFile: seed });
    assert.equal(typeof o.authenticator, "function");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
