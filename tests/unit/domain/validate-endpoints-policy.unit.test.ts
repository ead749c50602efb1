import { test } from "node:test";
import assert from "node:assert/strict";
import {
  MAX_ENDPOINTS,
  validateEndpoints,
  validatePolicy,
  validateService,
  type Validation,
} from "../../../libs/domain/validate.ts";
import type { ServiceSpec } from "../../../libs/domain/model.ts";

function assertProblem<T>(r: Validation<T>, path: string, message: RegExp): void {
  assert.equal(r.ok, false, `expected a problem at ${path}`);
  const problems = r.ok ? [] : r.problems;
  assert.ok(
    problems.some((p) => p.path === path && message.test(p.message)),
    `no problem ${path} ~ ${message}; got ${JSON.stringify(problems)}`,
  );
}

const v4Service = ((): ServiceSpec => {
  const r = validateService({ id: "web", vips: ["203.0.113.10"], ports: [{ port: 80 }] });
  assert.ok(r.ok);
  return r.value;
})();

test("endpoints - defaults, canonical addresses, numeric sort by address then port", () => {
  const r = validateEndpoints({
    serviceId: "web",
    endpoints: [
      { address: "192.0.2.10" },
      { address: "2001:DB8::b", port: 8443 },
      { address: "192.0.2.9", weight: 5, state: "draining" },
      { address: "192.0.2.10", port: 8080 },
      { address: "2001:db8::a" },
    ],
  });
  assert.ok(r.ok);
  assert.deepEqual(r.value, {
    serviceId: "web",
    group: "default",
    endpoints: [
      { address: "192.0.2.9", port: null, weight: 5, state: "draining" },
      { address: "192.0.2.10", port: null, weight: 1, state: "ready" },
      { address: "192.0.2.10", port: 8080, weight: 1, state: "ready" },
      { address: "2001:db8::a", port: null, weight: 1, state: "ready" },
      { address: "2001:db8::b", port: 8443, weight: 1, state: "ready" },
    ],
  });
});

test("endpoints - an empty list is valid; the limit is exported and enforced", () => {
  assert.ok(validateEndpoints({ serviceId: "web", endpoints: [] }).ok);
  const many = Array.from({ length: MAX_ENDPOINTS }, (_, i) => ({
    address: `2001:db8::${(i + 1).toString(16)}`,
  }));
  assert.ok(validateEndpoints({ serviceId: "web", endpoints: many }).ok);
  assertProblem(
    validateEndpoints({ serviceId: "web", endpoints: [...many, { address: "2001:db8::ffff" }] }),
    "endpoints",
    /has 1001 endpoints; at most 1000 allowed/,
  );
});

test("endpoints - malformed and hostile inputs", () => {
  const e = (endpoints: unknown): unknown => ({ serviceId: "web", endpoints });
  const cases: [unknown, string, RegExp][] = [
    [null, "", /is not an endpoints list/],
    [[], "", /is not an endpoints list/],
    [{ endpoints: [] }, "serviceId", /is required/],
    [{ serviceId: "web" }, "endpoints", /is required/],
    [{ serviceId: "WEB", endpoints: [] }, "serviceId", /is not an id/],
    [{ serviceId: "web", group: "a.b", endpoints: [] }, "group", /is not a group/],
    [e({}), "endpoints", /is not a list of endpoints/],
    [e([{}]), "endpoints[0].address", /is required/],
    [e(["192.0.2.1"]), "endpoints[0]", /"192\.0\.2\.1" is not an endpoint/],
    [e([{ address: "192.0.2.1; drop" }]), "endpoints[0].address", /is not an ip address/],
    [e([{ address: "224.0.0.5" }]), "endpoints[0].address", /multicast/],
    [e([{ address: "192.0.2.1", port: 0 }]), "endpoints[0].port", /0 is not a port/],
    [e([{ address: "192.0.2.1", port: 1.5 }]), "endpoints[0].port", /1\.5 is not a port/],
    [
      e([{ address: "192.0.2.1", weight: 0 }]),
      "endpoints[0].weight",
      /0 is not a weight \(1-100\)/,
    ],
    [e([{ address: "192.0.2.1", weight: 101 }]), "endpoints[0].weight", /101 is not a weight/],
    [e([{ address: "192.0.2.1", weight: -1 }]), "endpoints[0].weight", /-1/],
    [e([{ address: "192.0.2.1", weight: "2" }]), "endpoints[0].weight", /"2" is not a weight/],
    [
      e([{ address: "192.0.2.1", state: "READY" }]),
      "endpoints[0].state",
      /is not an endpoint state \(ready, draining\)/,
    ],
    [
      e([{ address: "192.0.2.1", state: "drained" }]),
      "endpoints[0].state",
      /is not an endpoint state/,
    ],
    [e([{ address: "192.0.2.1", wieght: 2 }]), "endpoints[0].wieght", /did you mean "weight"/],
    [
      e([{ address: "192.0.2.1" }, { address: "192.0.2.1" }]),
      "endpoints[1]",
      /same address as endpoints\[0\]/,
    ],
    [
      e([
        { address: "192.0.2.1", port: 80 },
        { address: "192.0.2.1", port: 80 },
      ]),
      "endpoints[1]",
      /same address and port as endpoints\[0\]/,
    ],
    [e([{ address: "2001:db8::1" }, { address: "2001:DB8:0::1" }]), "endpoints[1]", /same address/],
  ];
  for (const [input, path, message] of cases)
    assertProblem(validateEndpoints(input), path, message);
});

test("endpoints - checked against their service: id, group and address family", () => {
  const ok = validateEndpoints(
    { serviceId: "web", endpoints: [{ address: "192.0.2.1" }] },
    { service: v4Service },
  );
  assert.ok(ok.ok);
  const r = validateEndpoints(
    {
      serviceId: "api",
      group: "blue",
      endpoints: [{ address: "192.0.2.1" }, { address: "2001:db8::1" }],
    },
    { service: v4Service, path: "body" },
  );
  assertProblem(r, "body.serviceId", /"api" is not the id of service "web"/);
  assertProblem(r, "body.group", /"blue" is not the group of service "web" \("default"\)/);
  assertProblem(
    r,
    "body.endpoints[1].address",
    /"2001:db8::1" is ipv6, but service "web" has only ipv4 vips/,
  );
});

const policy = {
  id: "web-backends",
  targets: ["192.0.2.12", "192.0.2.11"],
  ingress: [
    {
      from: [{ cidr: "198.51.100.0/24", except: ["198.51.100.192/26", "198.51.100.128/26"] }],
      ports: [{ protocol: "tcp", port: 8080 }],
    },
  ],
};

test("policy - canonical output: defaults, sorted targets and except, rule order kept", () => {
  const r = validatePolicy({
    ...policy,
    ingress: [
      ...policy.ingress,
      {},
      { ports: [{ port: 9000, endPort: 9000 }, { protocol: "udp" }] },
    ],
  });
  assert.ok(r.ok);
  assert.deepEqual(r.value, {
    id: "web-backends",
    group: "default",
    targets: ["192.0.2.11", "192.0.2.12"],
    ingress: [
      {
        from: [{ cidr: "198.51.100.0/24", except: ["198.51.100.128/26", "198.51.100.192/26"] }],
        ports: [{ protocol: "tcp", port: 8080, endPort: null }],
      },
      { from: [], ports: [] },
      {
        from: [],
        ports: [
          { protocol: "tcp", port: 9000, endPort: null },
          { protocol: "udp", port: null, endPort: null },
        ],
      },
    ],
  });
  const denyAll = validatePolicy({ id: "deny", targets: ["192.0.2.11"], ingress: [] });
  assert.ok(denyAll.ok);
  assert.deepEqual(denyAll.value.ingress, []);
});

test("policy - malformed and hostile inputs", () => {
  const rule = (r: unknown): unknown => ({ ...policy, ingress: [r] });
  const block = (b: unknown): unknown => rule({ from: [b] });
  const port = (p: unknown): unknown => rule({ ports: [p] });
  const cases: [unknown, string, RegExp][] = [
    [[], "", /is not a policy/],
    [{ ...policy, id: "Web_Backends" }, "id", /is not an id/],
    [{ ...policy, ingress: undefined }, "ingress", /is required \(an empty list denies every flow/],
    [{ ...policy, ingress: null }, "ingress", /null is not a list of ingress rules/],
    [{ ...policy, ingress: {} }, "ingress", /is not a list of ingress rules/],
    [{ ...policy, targets: [] }, "targets", /at least 1/],
    [{ ...policy, targets: ["192.0.2.0/24"] }, "targets[0]", /is not an ip address/],
    [
      { ...policy, targets: ["192.0.2.11", "192.0.2.11"] },
      "targets[1]",
      /same address as targets\[0\]/,
    ],
    [{ ...policy, targets: Array(1025).fill("192.0.2.1") }, "targets", /at most 1024/],
    [{ ...policy, egress: [] }, "egress", /is not a field of a policy/],
    [rule([]), "ingress[0]", /is not an ingress rule/],
    [rule({ form: [] }), "ingress[0].form", /did you mean "from"/],
    [rule({ from: "198.51.100.0/24" }), "ingress[0].from", /is not a list of source blocks/],
    [block("198.51.100.0/24"), "ingress[0].from[0]", /is not a source block/],
    [block({}), "ingress[0].from[0].cidr", /is required/],
    [
      block({ cidr: "198.51.100.1/24" }),
      "ingress[0].from[0].cidr",
      /host bits set; the network is "198\.51\.100\.0\/24"/,
    ],
    [
      block({ cidr: "198.51.100.0/24", except: ["203.0.113.0/25"] }),
      "ingress[0].from[0].except[0]",
      /is not strictly inside the cidr "198\.51\.100\.0\/24"/,
    ],
    [
      block({ cidr: "198.51.100.0/24", except: ["198.51.100.0/24"] }),
      "ingress[0].from[0].except[0]",
      /not strictly inside/,
    ],
    [
      block({ cidr: "198.51.100.0/24", except: ["198.51.0.0/16"] }),
      "ingress[0].from[0].except[0]",
      /not strictly inside/,
    ],
    [
      block({ cidr: "198.51.100.0/24", except: ["2001:db8::/64"] }),
      "ingress[0].from[0].except[0]",
      /is ipv6, but the cidr "198\.51\.100\.0\/24" is ipv4/,
    ],
    [
      block({ cidr: "198.51.100.0/24", except: ["198.51.100.1/25"] }),
      "ingress[0].from[0].except[0]",
      /host bits/,
    ],
    [
      block({ cidr: "198.51.100.0/24", except: ["198.51.100.0/25", "198.51.100.0/25"] }),
      "ingress[0].from[0].except[1]",
      /same cidr/,
    ],
    [
      block({ cidr: "198.51.100.0/24", except: "198.51.100.0/25" }),
      "ingress[0].from[0].except",
      /is not a list of except blocks/,
    ],
    [
      block({ cidr: "198.51.100.0/24", exclude: [] }),
      "ingress[0].from[0].exclude",
      /not a field of a source block/,
    ],
    [port({ port: 70000 }), "ingress[0].ports[0].port", /70000 is not a port/],
    [port({ endPort: 90 }), "ingress[0].ports[0].endPort", /90 needs a "port"/],
    [port({ port: 90, endPort: 80 }), "ingress[0].ports[0].endPort", /80 is below port 90/],
    [port({ port: 80, endPort: 65536 }), "ingress[0].ports[0].endPort", /65536 is not a port/],
    [port({ protocol: "any" }), "ingress[0].ports[0].protocol", /is not a protocol/],
    [port({ port: "80-90" }), "ingress[0].ports[0].port", /"80-90" is not a port/],
    [
      port({ port: 80, end_port: 90 }),
      "ingress[0].ports[0].end_port",
      /not a field of a policy port/,
    ],
  ];
  for (const [input, path, message] of cases) assertProblem(validatePolicy(input), path, message);
});

test("policy - the total number of blocks is bounded before any is parsed", () => {
  const from = Array.from({ length: 200 }, () => ({
    cidr: "198.51.100.0/24",
    except: Array(20).fill("198.51.100.0/25"),
  }));
  const r = validatePolicy({ ...policy, ingress: [{ from }] });
  assertProblem(r, "ingress", /has 4200 source and except blocks; at most 2048 allowed/);
  assert.equal(r.ok ? 0 : r.problems.length, 1);
});
