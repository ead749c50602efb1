import { test } from "node:test";
import assert from "node:assert/strict";
import { validateService } from "../../../libs/domain/validate.ts";
import type { Problem } from "../../../libs/domain/model.ts";

const base = { id: "web", vips: ["203.0.113.10"], ports: [{ port: 80 }] };

/** Asserts that validation fails with a problem at `path` whose message matches. */
function assertProblem(input: unknown, path: string, message: RegExp): readonly Problem[] {
  const r = validateService(input);
  assert.equal(r.ok, false, `expected a problem at ${path}`);
  const problems = r.ok ? [] : r.problems;
  assert.ok(
    problems.some((p) => p.path === path && message.test(p.message)),
    `no problem ${path} ~ ${message}; got ${JSON.stringify(problems)}`,
  );
  return problems;
}

test("service - defaults are filled and output is canonical", () => {
  const r = validateService(base);
  assert.ok(r.ok);
  assert.deepEqual(r.value, {
    id: "web",
    group: "default",
    vips: ["203.0.113.10"],
    ports: [{ protocol: "tcp", port: 80, targetPort: 80 }],
    scheduler: "round-robin",
    sourceRanges: [],
    sessionAffinity: null,
    snat: null,
  });
  // Key order is fixed, so equal inputs compare equal as JSON.
  assert.equal(
    JSON.stringify(r.value),
    '{"id":"web","group":"default","vips":["203.0.113.10"],"ports":[{"protocol":"tcp","port":80,"targetPort":80}],"scheduler":"round-robin","sourceRanges":[],"sessionAffinity":null,"snat":null}',
  );
});

test("service - equivalent inputs give equal JSON (sorting, canonical addresses, defaults)", () => {
  const a = validateService({
    snat: false,
    vips: ["2001:DB8::0010", "203.0.113.10"],
    id: "web",
    ports: [
      { protocol: "udp", port: 53 },
      { port: 80, targetPort: 8080 },
    ],
    sourceRanges: ["2001:db8:1::/48", "198.51.100.0/24"],
    sessionAffinity: "client-ip",
    group: "default",
  });
  const b = validateService({
    id: "web",
    vips: ["203.0.113.10", "2001:db8::10"],
    ports: [
      { protocol: "tcp", port: 80, targetPort: 8080 },
      { protocol: "udp", port: 53, targetPort: 53 },
    ],
    sourceRanges: ["198.51.100.0/24", "2001:DB8:1::/48"],
    sessionAffinity: { timeoutSeconds: 10800 },
    snat: false,
  });
  assert.ok(a.ok && b.ok);
  assert.equal(JSON.stringify(a.value), JSON.stringify(b.value));
  assert.deepEqual(a.value.vips, ["203.0.113.10", "2001:db8::10"]);
  assert.deepEqual(a.value.sessionAffinity, { timeoutSeconds: 10800 });
});

test("service - session affinity and snat forms", () => {
  const cases: [unknown, unknown][] = [
    [undefined, null],
    [null, null],
    ["none", null],
    ["client-ip", { timeoutSeconds: 10800 }],
    [{}, { timeoutSeconds: 10800 }],
    [{ timeoutSeconds: null }, { timeoutSeconds: 10800 }],
    [{ timeoutSeconds: 1 }, { timeoutSeconds: 1 }],
    [{ timeoutSeconds: 86400 }, { timeoutSeconds: 86400 }],
  ];
  for (const [input, want] of cases) {
    const r = validateService({ ...base, sessionAffinity: input });
    assert.ok(r.ok, JSON.stringify(input));
    assert.deepEqual(r.value.sessionAffinity, want);
  }
  for (const [input, want] of [
    [true, true],
    [false, false],
    [null, null],
  ] as const) {
    const r = validateService({ ...base, snat: input });
    assert.ok(r.ok);
    assert.equal(r.value.snat, want);
  }
});

test("service - malformed and hostile inputs give every problem with its path", () => {
  const cases: [unknown, string, RegExp][] = [
    [null, "", /null is not a service \(an object\)/],
    [[base], "", /is not a service/],
    ["web", "", /"web" is not a service/],
    [42, "", /42 is not a service/],
    [new Map(), "", /is not a service/],
    [{ ...base, id: undefined }, "id", /is required/],
    [{ ...base, id: "Web" }, "id", /"Web" is not an id \(a dns label/],
    [{ ...base, id: "web;flush ruleset" }, "id", /is not an id/],
    [{ ...base, id: "web.>" }, "id", /is not an id/],
    [{ ...base, id: "*" }, "id", /is not an id/],
    [{ ...base, id: "a b" }, "id", /is not an id/],
    [{ ...base, id: "-web" }, "id", /is not an id/],
    [{ ...base, id: "web-" }, "id", /is not an id/],
    [{ ...base, id: "wéb" }, "id", /is not an id/],
    [{ ...base, id: "a".repeat(64) }, "id", /is not an id/],
    [{ ...base, id: "x".repeat(100_000) }, "id", /…" is not an id/],
    [{ ...base, id: "" }, "id", /"" is not an id/],
    [{ ...base, id: 7 }, "id", /7 is not an id/],
    [{ ...base, id: "web\n" }, "id", /"web\\n" is not an id/],
    [{ ...base, group: "Blue" }, "group", /is not a group/],
    [{ ...base, group: "a}b" }, "group", /is not a group/],
    [{ ...base, vips: [] }, "vips", /has 0 vips; at least 1 required/],
    [{ ...base, vips: undefined }, "vips", /is required/],
    [{ ...base, vips: "203.0.113.10" }, "vips", /is not a list of vips/],
    [{ ...base, vips: { 0: "203.0.113.10" } }, "vips", /is not a list/],
    [{ ...base, vips: Array(17).fill("203.0.113.10") }, "vips", /has 17 vips; at most 16/],
    [{ ...base, vips: ["203.0.113.10", "203.0.113.10"] }, "vips[1]", /same address as vips\[0\]/],
    [{ ...base, vips: ["2001:db8::a", "2001:DB8::A"] }, "vips[1]", /same address as vips\[0\]/],
    [{ ...base, vips: ["1.2.3.4; flush ruleset"] }, "vips[0]", /is not an ip address/],
    [{ ...base, vips: ["127.0.0.1"] }, "vips[0]", /loopback/],
    [{ ...base, vips: ["0.0.0.0"] }, "vips[0]", /this network/],
    [{ ...base, vips: ["::ffff:203.0.113.10"] }, "vips[0]", /ipv4-mapped/],
    [{ ...base, vips: ["fe80::1%eth0"] }, "vips[0]", /zone index/],
    [{ ...base, vips: [null] }, "vips[0]", /null is not a string/],
    [{ ...base, ports: [] }, "ports", /at least 1/],
    [{ ...base, ports: [{ port: 70000 }] }, "ports[0].port", /^70000 is not a port \(1-65535\)$/],
    [{ ...base, ports: [{ port: 0 }] }, "ports[0].port", /0 is not a port/],
    [{ ...base, ports: [{ port: -80 }] }, "ports[0].port", /-80 is not a port/],
    [{ ...base, ports: [{ port: 80.5 }] }, "ports[0].port", /80\.5 is not a port/],
    [{ ...base, ports: [{ port: NaN }] }, "ports[0].port", /NaN is not a port/],
    [{ ...base, ports: [{ port: Infinity }] }, "ports[0].port", /Infinity is not a port/],
    [{ ...base, ports: [{ port: 1e300 }] }, "ports[0].port", /is not a port/],
    [{ ...base, ports: [{ port: 80n }] }, "ports[0].port", /80n is not a port/],
    [{ ...base, ports: [{ port: "80" }] }, "ports[0].port", /"80" is not a port/],
    [{ ...base, ports: [{ port: [80] }] }, "ports[0].port", /\[80\] is not a port/],
    [{ ...base, ports: [{}] }, "ports[0].port", /is required/],
    [{ ...base, ports: [80] }, "ports[0]", /80 is not a service port/],
    [
      { ...base, ports: [{ port: 80, protocol: "TCP" }] },
      "ports[0].protocol",
      /"TCP" is not a protocol \(tcp, udp, sctp\)/,
    ],
    [
      { ...base, ports: [{ port: 80, protocol: "icmp" }] },
      "ports[0].protocol",
      /is not a protocol/,
    ],
    [
      { ...base, ports: [{ port: 80, targetPort: 65536 }] },
      "ports[0].targetPort",
      /65536 is not a port/,
    ],
    [
      { ...base, ports: [{ port: 80, prot: "udp" }] },
      "ports[0].prot",
      /not a field of a service port \(did you mean "port"\?\)/,
    ],
    [
      { ...base, ports: [{ port: 80 }, { port: 80, protocol: "tcp" }] },
      "ports[1]",
      /tcp\/80 is already declared by ports\[0\]/,
    ],
    [
      { ...base, ports: Array.from({ length: 65 }, (_, i) => ({ port: i + 1 })) },
      "ports",
      /at most 64/,
    ],
    [
      { ...base, scheduler: "roundrobin" },
      "scheduler",
      /is not a scheduler \(round-robin, random, source-hash\)/,
    ],
    [{ ...base, scheduler: 1 }, "scheduler", /is not a scheduler/],
    [
      { ...base, sourceRanges: ["198.51.100.1/24"] },
      "sourceRanges[0]",
      /host bits set; the network is "198\.51\.100\.0\/24"/,
    ],
    [{ ...base, sourceRanges: ["198.51.100.0"] }, "sourceRanges[0]", /"\/prefix" is missing/],
    [
      { ...base, sourceRanges: ["198.51.100.0/24", "198.51.100.0/24"] },
      "sourceRanges[1]",
      /same cidr/,
    ],
    [{ ...base, sourceRanges: "198.51.100.0/24" }, "sourceRanges", /is not a list/],
    [{ ...base, sourceRanges: Array(257).fill("198.51.100.0/24") }, "sourceRanges", /at most 256/],
    [{ ...base, sessionAffinity: "sticky" }, "sessionAffinity", /is not a session affinity/],
    [{ ...base, sessionAffinity: true }, "sessionAffinity", /is not a session affinity/],
    [{ ...base, sessionAffinity: [] }, "sessionAffinity", /is not a session affinity/],
    [
      { ...base, sessionAffinity: { timeoutSeconds: 0 } },
      "sessionAffinity.timeoutSeconds",
      /0 is not a timeout in seconds \(1-86400\)/,
    ],
    [
      { ...base, sessionAffinity: { timeoutSeconds: 86401 } },
      "sessionAffinity.timeoutSeconds",
      /86401/,
    ],
    [{ ...base, sessionAffinity: { timeout: 5 } }, "sessionAffinity.timeout", /not a field/],
    [{ ...base, snat: "yes" }, "snat", /"yes" is not a snat override/],
    [{ ...base, snat: 1 }, "snat", /is not a snat override/],
    [{ ...base, vip: ["203.0.113.10"] }, "vip", /did you mean "vips"\?/],
    [{ ...base, sourceRange: [] }, "sourceRange", /did you mean "sourceRanges"\?/],
    [{ ...base, endpoints: [] }, "endpoints", /is not a field of a service/],
    [
      JSON.parse('{"id":"web","vips":["203.0.113.10"],"ports":[{"port":80}],"__proto__":{"x":1}}'),
      "__proto__",
      /not a field/,
    ],
    [{ ...base, constructor: 1 }, "constructor", /not a field/],
  ];
  for (const [input, path, message] of cases) assertProblem(input, path, message);
});

test("service - all problems are reported together", () => {
  const problems = assertProblem(
    { id: "Web", vips: ["x"], ports: [{ port: 0 }, { port: 80, protocol: "tcpp" }], snat: "on" },
    "id",
    /not an id/,
  );
  assert.deepEqual(
    problems.map((p) => p.path),
    ["id", "vips[0]", "ports[0].port", "ports[1].protocol", "snat"],
  );
});

test("service - problems under a path prefix", () => {
  const r = validateService({ ...base, ports: [{ port: 70000 }] }, "services[2]");
  assert.equal(r.ok, false);
  if (!r.ok) {
    assert.deepEqual(r.problems, [
      { path: "services[2].ports[0].port", message: "70000 is not a port (1-65535)" },
    ]);
  }
});

test("service - unicode, control characters and very long strings are quoted safely", () => {
  for (const s of ["\u0000", "\u202e", "😀", 'a"b', "\\", "x".repeat(1_000_000), "\ud800"]) {
    const r = validateService({ ...base, id: s });
    assert.equal(r.ok, false);
    if (!r.ok) {
      const m = r.problems[0]?.message ?? "";
      assert.ok(m.length < 200, "message is bounded");
      assert.ok(
        !m.includes("\n") && !m.includes("\u0000"),
        "message has no raw control characters",
      );
    }
  }
});
