import { test } from "node:test";
import assert from "node:assert/strict";
import { parse } from "yaml";
import { validateInventory, type Validation } from "../../../libs/domain/validate.ts";
import type { Inventory } from "../../../libs/domain/model.ts";

function assertProblem(r: Validation<Inventory>, path: string, message: RegExp): void {
  assert.equal(r.ok, false, `expected a problem at ${path}`);
  const problems = r.ok ? [] : r.problems;
  assert.ok(
    problems.some((p) => p.path === path && message.test(p.message)),
    `no problem ${path} ~ ${message}; got ${JSON.stringify(problems)}`,
  );
}

// The example of the inventory file format (issue 3), verbatim.
const EXAMPLE = `
services:
  - id: web
    vips: [203.0.113.10, "2001:db8::10"]
    ports: [{protocol: tcp, port: 80, targetPort: 8080}]
    scheduler: round-robin            # or random, source-hash
    sourceRanges: [198.51.100.0/24]   # optional
    endpoints:
      - {address: 192.0.2.11}
      - {address: 192.0.2.12, weight: 2}
      - {address: 192.0.2.13, state: draining}
policies:
  - id: web-backends
    targets: [192.0.2.11, 192.0.2.12]
    ingress:
      - from: [{cidr: 198.51.100.0/24, except: [198.51.100.128/25]}]
        ports: [{protocol: tcp, port: 8080}]
`;

test("inventory - the documented example validates", () => {
  const r = validateInventory(parse(EXAMPLE));
  assert.ok(r.ok, JSON.stringify(r));
  assert.equal(r.value.services.length, 1);
  assert.deepEqual(r.value.services[0]?.vips, ["203.0.113.10", "2001:db8::10"]);
  assert.deepEqual(
    r.value.endpoints[0]?.endpoints.map((e) => [e.address, e.weight, e.state]),
    [
      ["192.0.2.11", 1, "ready"],
      ["192.0.2.12", 2, "ready"],
      ["192.0.2.13", 1, "draining"],
    ],
  );
  assert.equal(r.value.policies[0]?.ingress[0]?.from[0]?.except[0], "198.51.100.128/25");
});

test("inventory - empty documents, sorted output, an EndpointsSpec for every service", () => {
  for (const doc of [{}, { services: [], policies: [] }, { services: null, policies: null }]) {
    const r = validateInventory(doc);
    assert.ok(r.ok);
    assert.deepEqual(r.value, { services: [], endpoints: [], policies: [] });
  }
  const r = validateInventory({
    services: [
      { id: "web", group: "blue", vips: ["203.0.113.2"], ports: [{ port: 80 }] },
      {
        id: "api",
        vips: ["203.0.113.1"],
        ports: [{ port: 80 }],
        endpoints: [{ address: "192.0.2.1" }],
      },
    ],
    policies: [
      { id: "p2", targets: ["192.0.2.1"], ingress: [] },
      { id: "p1", targets: ["192.0.2.1"], ingress: [] },
    ],
  });
  assert.ok(r.ok);
  assert.deepEqual(
    r.value.services.map((s) => s.id),
    ["api", "web"],
  );
  assert.deepEqual(r.value.endpoints, [
    {
      serviceId: "api",
      group: "default",
      endpoints: [{ address: "192.0.2.1", port: null, weight: 1, state: "ready" }],
    },
    { serviceId: "web", group: "blue", endpoints: [] },
  ]);
  assert.deepEqual(
    r.value.policies.map((p) => p.id),
    ["p1", "p2"],
  );
});

test("inventory - deterministic: shuffled input gives byte-identical JSON", () => {
  const services = Array.from({ length: 50 }, (_, i) => ({
    id: `svc-${i}`,
    vips: [`203.0.113.${i + 1}`],
    ports: [{ port: 80 }, { port: 443, protocol: "tcp" }],
    endpoints: [{ address: `192.0.2.${i + 1}` }, { address: `198.51.100.${i + 1}`, port: 8080 }],
  }));
  const a = validateInventory({ services });
  const b = validateInventory({
    services: [...services].reverse().map((s) => ({
      ...s,
      ports: [...s.ports].reverse(),
      endpoints: [...s.endpoints].reverse(),
    })),
  });
  assert.ok(a.ok && b.ok);
  assert.equal(JSON.stringify(a.value), JSON.stringify(b.value));
});

test("inventory - cross-object problems", () => {
  const svc = (id: string, vip: string, extra: object = {}): object => ({
    id,
    vips: [vip],
    ports: [{ port: 80 }],
    ...extra,
  });
  const cases: [unknown, string, RegExp][] = [
    [
      { services: [svc("web", "203.0.113.1"), svc("web", "203.0.113.2")] },
      "services[1].id",
      /"web" is already the id of services\[0\]/,
    ],
    [
      { services: [svc("a", "203.0.113.1"), svc("b", "203.0.113.1")] },
      "services[1].ports[0]",
      /tcp\/80 on vip "203\.0\.113\.1" is already served by service "a" \(services\[0\]\)/,
    ],
    [
      { services: [svc("a", "2001:db8::1"), svc("b", "2001:DB8::1", { group: "blue" })] },
      "services[1].ports[0]",
      /already served by service "a"/,
    ],
    [
      {
        services: [
          svc("a", "203.0.113.1"),
          svc("b", "203.0.113.2", {
            ports: [{ port: 443 }, { port: 80 }],
            endpoints: [{ address: "203.0.113.1" }],
          }),
        ],
      },
      "services[1].endpoints[0].address",
      /"203\.0\.113\.1" is a vip of service "a"/,
    ],
    [
      { services: [svc("a", "203.0.113.1", { endpoints: [{ address: "203.0.113.1" }] })] },
      "services[0].endpoints[0].address",
      /is a vip of service "a"/,
    ],
    [
      {
        services: [
          svc("a", "203.0.113.1", {
            endpoints: [{ address: "192.0.2.1" }, { address: "2001:db8::1" }],
          }),
        ],
      },
      "services[0].endpoints[1].address",
      /is ipv6, but service "a" has only ipv4 vips/,
    ],
    [
      { services: [svc("a", "2001:db8::a", { endpoints: [{ address: "192.0.2.1" }] })] },
      "services[0].endpoints[0].address",
      /is ipv4, but service "a" has only ipv6 vips/,
    ],
    [
      {
        policies: [
          { id: "p", targets: ["192.0.2.1"], ingress: [] },
          { id: "p", targets: ["192.0.2.2"], ingress: [] },
        ],
      },
      "policies[1].id",
      /"p" is already the id of policies\[0\]/,
    ],
  ];
  for (const [input, path, message] of cases)
    assertProblem(validateInventory(input), path, message);
  // Same port on different protocols, or different ports, on one VIP are fine.
  const ok = validateInventory({
    services: [
      svc("a", "203.0.113.1"),
      { id: "b", vips: ["203.0.113.1"], ports: [{ port: 80, protocol: "udp" }, { port: 81 }] },
    ],
  });
  assert.ok(ok.ok, JSON.stringify(ok));
});

test("inventory - malformed documents; problems in nested objects keep full paths", () => {
  const cases: [unknown, string, RegExp][] = [
    [null, "", /null is not an inventory/],
    ["services: []", "", /is not an inventory/],
    [[], "", /is not an inventory/],
    [{ service: [] }, "service", /did you mean "services"/],
    [{ services: {} }, "services", /is not a list of services/],
    [{ services: [null] }, "services[0]", /null is not a service/],
    [
      { services: [{ id: "a", vips: ["203.0.113.1"], ports: [{ port: 80 }], endpoints: {} }] },
      "services[0].endpoints",
      /is not a list of endpoints/,
    ],
    [
      {
        services: [
          {
            id: "a",
            vips: ["203.0.113.1"],
            ports: [{ port: 80 }],
            endpoints: [{ address: "192.0.2.1", port: 0 }],
          },
        ],
      },
      "services[0].endpoints[0].port",
      /0 is not a port/,
    ],
    [
      {
        services: [
          {},
          { id: "b", vips: ["203.0.113.1"], ports: [{ port: 8080 }, { port: 70000 }] },
        ],
      },
      "services[1].ports[1].port",
      /70000 is not a port \(1-65535\)/,
    ],
    [
      {
        policies: [
          { id: "p", targets: ["192.0.2.1"], ingress: [{ from: [{ cidr: "198.51.100.1/24" }] }] },
        ],
      },
      "policies[0].ingress[0].from[0].cidr",
      /host bits set/,
    ],
  ];
  for (const [input, path, message] of cases)
    assertProblem(validateInventory(input), path, message);
});

test("inventory - every problem of a bad document is listed at once", () => {
  const r = validateInventory(
    parse(`
services:
  - id: Web
    vips: [203.0.113.10]
    ports: [{port: 80}]
  - id: api
    vips: [203.0.113.011]
    ports: [{port: 80, protocol: tcpp}]
    endpoints: [{address: 192.0.2.1, weight: 0}]
policies:
  - id: p
    targets: [192.0.2.1]
`),
  );
  assert.equal(r.ok, false);
  if (!r.ok) {
    assert.deepEqual(
      r.problems.map((p) => p.path),
      [
        "services[0].id",
        "services[1].vips[0]",
        "services[1].ports[0].protocol",
        "services[1].endpoints[0].weight",
        "policies[0].ingress",
      ],
    );
  }
});
