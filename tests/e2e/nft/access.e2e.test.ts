// Source ranges and network policies with real traffic: each case sends new
// flows from one client address and expects them answered or dropped exactly as
// declared, `except` blocks, ports, protocols, unions and IPv6 included.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import type { IngressRule, PolicySpec } from "../../../libs/domain/model.ts";
import type { Topology } from "../../harness/netns.ts";
import { openConnections } from "../../harness/traffic-client.ts";
import { applyInventory, createLab, labInventory, labPolicy, type ServiceInput } from "./lab.ts";

const IN4 = "198.51.100.10"; // inside every allowed block
const OUT4 = "198.51.100.200"; // inside 198.51.100.0/24 but in its except 198.51.100.128/25
const IN6 = "2001:db8:c::10";
const OUT6 = "2001:db8:c::200";
let lab: Topology;
before(async () => {
  lab = await createLab({ backends: 3, clientV4: [IN4, OUT4], clientV6: [IN6, OUT6] });
});
after(() => lab.stop());

type Expect = "answered" | "dropped";

async function expectFlows(
  from: string,
  protocol: "tcp" | "udp",
  host: string,
  port: number,
  expect: Expect,
): Promise<void> {
  const s = await openConnections(lab, {
    protocol,
    host,
    port,
    count: 3,
    concurrency: 3,
    localAddress: from,
    timeoutMs: expect === "dropped" ? 400 : 1500,
  });
  const what = `${protocol} ${from} → ${host}:${port}: ${JSON.stringify(s.attempts.map((a) => a.code ?? a.reply?.backend))}`;
  if (expect === "answered") assert.equal(s.answered, 3, what);
  else assert.equal(s.timeouts, 3, what);
}

void test("source ranges: allowed blocks answer, others are dropped (v4 and v6, tcp and udp)", async () => {
  const ranged: ServiceInput = {
    id: "ranged",
    vips: ["203.0.113.30", "2001:db8:f::30"],
    ports: [
      { protocol: "tcp", port: 80, targetPort: 8080 },
      { protocol: "udp", port: 53, targetPort: 8080 },
    ],
    sourceRanges: ["198.51.100.0/25", "2001:db8:c::/120"],
    endpoints: lab.backends.flatMap((b) => [{ address: b.v4 }, { address: b.v6 }]),
  };
  await applyInventory(lab, labInventory([ranged]));
  for (const [protocol, port] of [
    ["tcp", 80],
    ["udp", 53],
  ] as const) {
    await expectFlows(IN4, protocol, "203.0.113.30", port, "answered");
    await expectFlows(OUT4, protocol, "203.0.113.30", port, "dropped");
    await expectFlows(IN6, protocol, "2001:db8:f::30", port, "answered");
    await expectFlows(OUT6, protocol, "2001:db8:f::30", port, "dropped");
  }
});

const GUARDED4 = "203.0.113.31";
const GUARDED6 = "2001:db8:f::31";
const OPEN4 = "203.0.113.32";

/** guarded → b1 only (tcp 80→8080, tcp 81→8081, udp 53→8080); open → b3 (no policy). */
function services(): ServiceInput[] {
  const [b1, , b3] = lab.backends;
  return [
    {
      id: "guarded",
      vips: [GUARDED4, GUARDED6],
      ports: [
        { protocol: "tcp", port: 80, targetPort: 8080 },
        { protocol: "tcp", port: 81, targetPort: 8081 },
        { protocol: "udp", port: 53, targetPort: 8080 },
      ],
      endpoints: [{ address: b1?.v4 ?? "" }, { address: b1?.v6 ?? "" }],
    },
    { id: "open", vips: [OPEN4], endpoints: [{ address: b3?.v4 ?? "" }] },
  ];
}

const clientBlocks: IngressRule["from"] = [
  { cidr: "198.51.100.0/24", except: ["198.51.100.128/25"] },
  { cidr: "2001:db8:c::/64", except: ["2001:db8:c::200/128"] },
];
const tcp8080: IngressRule = {
  from: clientBlocks,
  ports: [{ protocol: "tcp", port: 8080, endPort: null }],
};

interface PolicyCase {
  readonly name: string;
  readonly policies: (targets: string[]) => PolicySpec[];
  readonly flows: readonly (readonly [string, "tcp" | "udp", string, number, Expect])[];
}

const cases: readonly PolicyCase[] = [
  {
    name: "one policy: from-block with except, one tcp port",
    policies: (t) => [labPolicy("web", t, [tcp8080])],
    flows: [
      [IN4, "tcp", GUARDED4, 80, "answered"],
      [OUT4, "tcp", GUARDED4, 80, "dropped"], // in the except block
      [IN4, "tcp", GUARDED4, 81, "dropped"], // port 8081 not allowed
      [IN4, "udp", GUARDED4, 53, "dropped"], // udp not allowed
      [IN6, "tcp", GUARDED6, 80, "answered"],
      [OUT6, "tcp", GUARDED6, 80, "dropped"],
      [OUT4, "tcp", OPEN4, 80, "answered"], // no policy selects b3
    ],
  },
  {
    name: "union of two policies: the second allows 8081 and udp from one address",
    policies: (t) => [
      labPolicy("web", t, [tcp8080]),
      labPolicy("extra", t, [
        {
          from: [{ cidr: `${IN4}/32`, except: [] }],
          ports: [
            { protocol: "tcp", port: 8081, endPort: null },
            { protocol: "udp", port: null, endPort: null },
          ],
        },
      ]),
    ],
    flows: [
      [IN4, "tcp", GUARDED4, 81, "answered"],
      [OUT4, "tcp", GUARDED4, 81, "dropped"],
      [IN4, "udp", GUARDED4, 53, "answered"],
      [OUT4, "udp", GUARDED4, 53, "dropped"],
      [IN4, "tcp", GUARDED4, 80, "answered"],
    ],
  },
  {
    name: "port range (endPort) and empty from (every source)",
    policies: (t) => [
      labPolicy("range", t, [
        { from: [], ports: [{ protocol: "tcp", port: 8080, endPort: 8081 }] },
      ]),
    ],
    flows: [
      [OUT4, "tcp", GUARDED4, 80, "answered"],
      [OUT4, "tcp", GUARDED4, 81, "answered"],
      [OUT6, "tcp", GUARDED6, 81, "answered"],
      [IN4, "udp", GUARDED4, 53, "dropped"],
    ],
  },
  {
    name: "empty ingress denies every load-balanced flow to the targets",
    policies: (t) => [labPolicy("deny", t, [])],
    flows: [
      [IN4, "tcp", GUARDED4, 80, "dropped"],
      [IN6, "tcp", GUARDED6, 80, "dropped"],
      [IN4, "udp", GUARDED4, 53, "dropped"],
      [IN4, "tcp", OPEN4, 80, "answered"],
    ],
  },
];

for (const c of cases) {
  void test(`policies: ${c.name}`, async () => {
    const b1 = lab.backends[0];
    const targets = b1 ? [b1.v4, b1.v6] : [];
    await applyInventory(lab, labInventory(services(), c.policies(targets)));
    for (const [from, protocol, host, port, expect] of c.flows)
      await expectFlows(from, protocol, host, port, expect);
  });
}
