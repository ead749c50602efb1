// Golden rules of the filter table: pod and policy chains, the catch-all.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Inventory } from "../../../libs/domain/model.ts";
import { buildRuleset, policyRules } from "../../../libs/nft/render/index.ts";
import { DEFAULT_GATEWAY_SETTINGS } from "../../../libs/nft/settings.ts";
import { inventory, policy } from "./inventory-builder.ts";

function filter(inv: Inventory) {
  const t = buildRuleset(inv, DEFAULT_GATEWAY_SETTINGS).tables[1];
  assert.ok(t);
  return t;
}

const RULE_CASES: Array<{ name: string; ingress: Parameters<typeof policy>[2]; rules: string[] }> =
  [
    {
      name: "cidr with excepts and a port: one rule, excepts as negated matches",
      ingress: [
        {
          from: [{ cidr: "198.51.100.0/24", except: ["198.51.100.128/25", "198.51.100.0/28"] }],
          ports: [{ protocol: "tcp", port: 8080, endPort: null }],
        },
      ],
      rules: [
        "ip saddr 198.51.100.0/24 ip saddr != 198.51.100.128/25 ip saddr != 198.51.100.0/28 tcp dport 8080 accept",
      ],
    },
    {
      name: "cross product of from-blocks and ports; endPort ranges; protocol without port",
      ingress: [
        {
          from: [
            { cidr: "198.51.100.0/24", except: [] },
            { cidr: "2001:db8:100::/48", except: ["2001:db8:100:1::/64"] },
          ],
          ports: [
            { protocol: "udp", port: 9000, endPort: 9010 },
            { protocol: "sctp", port: null, endPort: null },
            { protocol: "tcp", port: 443, endPort: 443 },
          ],
        },
      ],
      rules: [
        "ip saddr 198.51.100.0/24 udp dport 9000-9010 accept",
        "ip saddr 198.51.100.0/24 meta l4proto sctp accept",
        "ip saddr 198.51.100.0/24 tcp dport 443 accept",
        "ip6 saddr 2001:db8:100::/48 ip6 saddr != 2001:db8:100:1::/64 udp dport 9000-9010 accept",
        "ip6 saddr 2001:db8:100::/48 ip6 saddr != 2001:db8:100:1::/64 meta l4proto sctp accept",
        "ip6 saddr 2001:db8:100::/48 ip6 saddr != 2001:db8:100:1::/64 tcp dport 443 accept",
      ],
    },
    { name: "empty from and empty ports: everything", ingress: [{}], rules: ["accept"] },
    {
      name: "empty from: any source, listed ports",
      ingress: [{ ports: [{ protocol: "tcp", port: 80, endPort: null }] }],
      rules: ["tcp dport 80 accept"],
    },
    {
      name: "empty ports: every port and protocol from the block",
      ingress: [{ from: [{ cidr: "0.0.0.0/0", except: [] }] }],
      rules: ["ip saddr 0.0.0.0/0 accept"],
    },
    { name: "no ingress rule: allows nothing", ingress: [], rules: [] },
  ];

for (const c of RULE_CASES)
  test(`filter: ${c.name}`, () => {
    assert.deepEqual(policyRules(policy("p", ["192.0.2.11"], c.ingress)), c.rules);
  });

test("filter: pod chains jump to every policy selecting the address (sorted), then drop", () => {
  const t = filter(
    inventory(
      [],
      [
        policy(
          "web",
          ["192.0.2.11", "2001:db8::11"],
          [{ ports: [{ protocol: "tcp", port: 80, endPort: null }] }],
        ),
        policy("admin", ["192.0.2.11"], [{ from: [{ cidr: "198.51.100.0/24", except: [] }] }]),
      ],
    ),
  );
  assert.deepEqual(
    [...t.chains.keys()],
    ["forward", "pod-192.0.2.11", "pod-2001-db8--11", "pol-admin", "pol-web"],
  );
  assert.deepEqual(t.chains.get("pod-192.0.2.11")?.rules, [
    "jump pol-admin",
    "jump pol-web",
    "drop",
  ]);
  assert.deepEqual(t.chains.get("pod-2001-db8--11")?.rules, ["jump pol-web", "drop"]);
  assert.deepEqual(
    [...(t.sets.get("policy-targets-v4")?.elements ?? [])],
    [["192.0.2.11", "goto pod-192.0.2.11"]],
  );
  assert.deepEqual(
    [...(t.sets.get("policy-targets-v6")?.elements ?? [])],
    [["2001:db8::11", "goto pod-2001-db8--11"]],
  );
  assert.deepEqual(t.chains.get("forward")?.rules, [
    "ct direction original ct mark & 0x00000001 == 0x00000001 ip daddr vmap @policy-targets-v4",
    "ct direction original ct mark & 0x00000001 == 0x00000001 ip6 daddr vmap @policy-targets-v6",
    "ct mark & 0x00000001 == 0x00000001 accept",
  ]);
  assert.deepEqual(t.chains.get("forward")?.base, {
    type: "filter",
    hook: "forward",
    priority: "filter",
    policy: "accept",
  });
});

test("filter: without policies only the catch-all remains", () => {
  const t = filter(inventory([]));
  assert.deepEqual([...t.chains.keys()], ["forward"]);
  assert.equal(t.sets.get("policy-targets-v4")?.elements.size, 0);
});

test("filter: filter-table-name '' disables the table", () => {
  const rs = buildRuleset(inventory([], [policy("p", ["192.0.2.11"], [{}])]), {
    ...DEFAULT_GATEWAY_SETTINGS,
    filterTableName: "",
  });
  assert.deepEqual(
    rs.tables.map((t) => t.name),
    ["lbaas"],
  );
});
