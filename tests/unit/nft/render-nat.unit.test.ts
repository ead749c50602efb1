// Golden rules of the NAT table, one feature per case (table-driven).
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Inventory } from "../../../libs/domain/model.ts";
import { buildRuleset, isRenderError } from "../../../libs/nft/render/index.ts";
import { sortedElements } from "../../../libs/nft/render/nat.ts";
import { DEFAULT_GATEWAY_SETTINGS, type GatewaySettings } from "../../../libs/nft/settings.ts";
import { inventory, service, type ServiceInput } from "./inventory-builder.ts";

function chains(
  inv: Inventory,
  settings: GatewaySettings = DEFAULT_GATEWAY_SETTINGS,
): Map<string, readonly string[]> {
  const nat = buildRuleset(inv, settings).tables[0];
  assert.ok(nat);
  return new Map([...nat.chains.values()].map((c) => [c.name, c.rules]));
}

function elements(inv: Inventory, set: string, settings = DEFAULT_GATEWAY_SETTINGS): string[] {
  const s = buildRuleset(inv, settings).tables[0]?.sets.get(set);
  return s === undefined ? [] : [...s.elements].map(([k, v]) => (v === null ? k : `${k} : ${v}`));
}

const one = (s: ServiceInput): Inventory => inventory([service(s)]);

const CASES: Array<{ name: string; svc: ServiceInput; chain: string; rules: string[] }> = [
  {
    name: "round-robin, equal weights: exact rotation with per-rule counters",
    svc: {
      id: "web",
      endpoints: [{ address: "192.0.2.11" }, { address: "192.0.2.12" }, { address: "192.0.2.13" }],
    },
    chain: "svc-web-tcp-80-v4",
    rules: [
      "meta l4proto tcp numgen inc mod 3 < 1 dnat ip to 192.0.2.11:80",
      "meta l4proto tcp numgen inc mod 2 < 1 dnat ip to 192.0.2.12:80",
      "meta l4proto tcp dnat ip to 192.0.2.13:80",
    ],
  },
  {
    name: "round-robin, weights 1/2/3: rule i takes w_i of the R_i flows it sees",
    svc: {
      id: "web",
      endpoints: [
        { address: "192.0.2.11" },
        { address: "192.0.2.12", weight: 2 },
        { address: "192.0.2.13", weight: 3 },
      ],
    },
    chain: "svc-web-tcp-80-v4",
    rules: [
      "meta l4proto tcp numgen inc mod 6 < 1 dnat ip to 192.0.2.11:80",
      "meta l4proto tcp numgen inc mod 5 < 2 dnat ip to 192.0.2.12:80",
      "meta l4proto tcp dnat ip to 192.0.2.13:80",
    ],
  },
  {
    name: "random with weights, udp, target port",
    svc: {
      id: "dns",
      ports: [{ protocol: "udp", port: 53, targetPort: 5353 }],
      scheduler: "random",
      endpoints: [{ address: "192.0.2.21", weight: 3 }, { address: "192.0.2.22" }],
    },
    chain: "svc-dns-udp-53-v4",
    rules: [
      "meta l4proto udp numgen random mod 4 < 3 dnat ip to 192.0.2.21:5353",
      "meta l4proto udp dnat ip to 192.0.2.22:5353",
    ],
  },
  {
    name: "draining endpoints get no rule; endpoint port overrides targetPort",
    svc: {
      id: "web",
      ports: [{ port: 80, targetPort: 8080 }],
      endpoints: [
        { address: "192.0.2.11", state: "draining" },
        { address: "192.0.2.12", port: 9090 },
      ],
    },
    chain: "svc-web-tcp-80-v4",
    rules: ["meta l4proto tcp dnat ip to 192.0.2.12:9090"],
  },
  {
    name: "no ready endpoint, tcp: reset at once",
    svc: { id: "web", endpoints: [{ address: "192.0.2.11", state: "draining" }] },
    chain: "svc-web-tcp-80-v4",
    rules: ["meta l4proto tcp reject with tcp reset"],
  },
  {
    name: "no endpoint, sctp: icmp port unreachable",
    svc: { id: "x", ports: [{ protocol: "sctp", port: 9 }] },
    chain: "svc-x-sctp-9-v4",
    rules: ["reject"],
  },
  {
    name: "source ranges: one rule, one negated match per cidr",
    svc: {
      id: "web",
      sourceRanges: ["192.0.2.0/25", "198.51.100.0/24", "2001:db8:100::/48"],
      endpoints: [{ address: "192.0.2.11" }],
    },
    chain: "svc-web-tcp-80-v4",
    rules: [
      "ip saddr != 192.0.2.0/25 ip saddr != 198.51.100.0/24 drop",
      "meta l4proto tcp dnat ip to 192.0.2.11:80",
    ],
  },
  {
    name: "source ranges with none of the family: the chain only drops",
    svc: {
      id: "web",
      vips: ["2001:db8::10"],
      sourceRanges: ["198.51.100.0/24"],
      endpoints: [{ address: "2001:db8::11" }],
    },
    chain: "svc-web-tcp-80-v6",
    rules: ["drop"],
  },
  {
    name: "ipv6: ip6 matches and bracketed dnat",
    svc: {
      id: "web",
      vips: ["2001:db8::10"],
      sourceRanges: ["2001:db8:100::/48"],
      endpoints: [{ address: "2001:db8::11" }, { address: "2001:db8::12" }],
    },
    chain: "svc-web-tcp-80-v6",
    rules: [
      "ip6 saddr != 2001:db8:100::/48 drop",
      "meta l4proto tcp numgen inc mod 2 < 1 dnat ip6 to [2001:db8::11]:80",
      "meta l4proto tcp dnat ip6 to [2001:db8::12]:80",
    ],
  },
  {
    name: "session affinity: hit rule per target port, update on selection",
    svc: {
      id: "web",
      sessionAffinity: { timeoutSeconds: 10800 },
      endpoints: [{ address: "192.0.2.11" }, { address: "192.0.2.12" }],
    },
    chain: "svc-web-tcp-80-v4",
    rules: [
      "ip saddr @aff-web-tcp-80-v4-80 update @aff-web-tcp-80-v4-80 { ip saddr : 0.0.0.0 } meta l4proto tcp dnat ip to ip saddr map @aff-web-tcp-80-v4-80 : 80",
      "meta l4proto tcp numgen inc mod 2 < 1 update @aff-web-tcp-80-v4-80 { ip saddr : 192.0.2.11 } dnat ip to 192.0.2.11:80",
      "meta l4proto tcp update @aff-web-tcp-80-v4-80 { ip saddr : 192.0.2.12 } dnat ip to 192.0.2.12:80",
    ],
  },
  {
    name: "session affinity, ipv6",
    svc: {
      id: "web",
      vips: ["2001:db8::10"],
      sessionAffinity: { timeoutSeconds: 60 },
      endpoints: [{ address: "2001:db8::11" }],
    },
    chain: "svc-web-tcp-80-v6",
    rules: [
      "ip6 saddr @aff-web-tcp-80-v6-80 update @aff-web-tcp-80-v6-80 { ip6 saddr : :: } meta l4proto tcp dnat ip6 to ip6 saddr map @aff-web-tcp-80-v6-80 : 80",
      "meta l4proto tcp update @aff-web-tcp-80-v6-80 { ip6 saddr : 2001:db8::11 } dnat ip6 to [2001:db8::11]:80",
    ],
  },
  {
    name: "source-hash with one endpoint needs no slot table",
    svc: { id: "web", scheduler: "source-hash", endpoints: [{ address: "192.0.2.11" }] },
    chain: "svc-web-tcp-80-v4",
    rules: ["meta l4proto tcp dnat ip to 192.0.2.11:80"],
  },
  {
    name: "two endpoint entries resolving to one target are one rule with both weights",
    svc: {
      id: "web",
      ports: [{ port: 80, targetPort: 8080 }],
      endpoints: [
        { address: "192.0.2.11" },
        { address: "192.0.2.11", port: 8080, weight: 2 },
        { address: "192.0.2.12" },
      ],
    },
    chain: "svc-web-tcp-80-v4",
    rules: [
      "meta l4proto tcp numgen inc mod 4 < 3 dnat ip to 192.0.2.11:8080",
      "meta l4proto tcp dnat ip to 192.0.2.12:8080",
    ],
  },
];

for (const c of CASES)
  test(`nat: ${c.name}`, () => {
    assert.deepEqual(chains(one(c.svc)).get(c.chain), c.rules);
  });

test("nat: dual-stack and multiple vips: one chain per family, one element per vip", () => {
  const inv = one({
    id: "web",
    vips: ["203.0.113.11", "2001:db8::10", "203.0.113.10"],
    ports: [{ port: 443 }, { port: 80 }],
    endpoints: [{ address: "192.0.2.11" }, { address: "2001:db8::11" }],
  });
  assert.deepEqual(
    [...chains(inv).keys()].filter((n) => n.startsWith("svc-")),
    ["svc-web-tcp-80-v4", "svc-web-tcp-80-v6", "svc-web-tcp-443-v4", "svc-web-tcp-443-v6"],
  );
  assert.deepEqual(elements(inv, "service-ips-v4"), [
    "203.0.113.10 . tcp . 443 : goto svc-web-tcp-443-v4",
    "203.0.113.10 . tcp . 80 : goto svc-web-tcp-80-v4",
    "203.0.113.11 . tcp . 443 : goto svc-web-tcp-443-v4",
    "203.0.113.11 . tcp . 80 : goto svc-web-tcp-80-v4",
  ]);
  assert.deepEqual(elements(inv, "service-ips-v6"), [
    "2001:db8::10 . tcp . 443 : goto svc-web-tcp-443-v6",
    "2001:db8::10 . tcp . 80 : goto svc-web-tcp-80-v6",
  ]);
});

test("nat: source-hash fills a 257-slot vmap to endpoint chains", () => {
  const inv = one({
    id: "web",
    scheduler: "source-hash",
    endpoints: [{ address: "192.0.2.11" }, { address: "192.0.2.12", weight: 3 }],
  });
  const c = chains(inv);
  const rule = c.get("svc-web-tcp-80-v4")?.[0] ?? "";
  assert.match(
    rule,
    /^jhash ip saddr \. th sport mod 257 seed 0x6c626173 vmap \{ 0 : goto ep-web-tcp-80-192\.0\.2\.1[12]-80, /,
  );
  const slots = [...rule.matchAll(/(\d+) : goto (\S+?)(?:,| \})/g)];
  assert.deepEqual(
    slots.map((m) => Number(m[1])),
    [...Array(257).keys()],
  );
  const share = slots.filter((m) => m[2] === "ep-web-tcp-80-192.0.2.12-80").length / 257;
  assert.ok(Math.abs(share - 0.75) < 0.02, `weight 3 of 4 gets ${share}`);
  assert.deepEqual(c.get("ep-web-tcp-80-192.0.2.12-80"), [
    "meta l4proto tcp dnat ip to 192.0.2.12:80",
  ]);
});

const SNAT_SERVICES = inventory([
  service({ id: "a", vips: ["203.0.113.1"], snat: null, endpoints: [{ address: "192.0.2.1" }] }),
  service({
    id: "b",
    vips: ["203.0.113.2", "2001:db8::2"],
    snat: false,
    endpoints: [{ address: "192.0.2.2" }],
  }),
  service({
    id: "c",
    vips: ["203.0.113.3"],
    ports: [{ protocol: "udp", port: 53 }],
    snat: true,
    endpoints: [{ address: "192.0.2.3" }],
  }),
]);

test("snat on: masquerade marked flows except services with snat false", () => {
  assert.deepEqual(chains(SNAT_SERVICES).get("postrouting"), [
    "meta mark & 0x00000001 == 0x00000001 meta l4proto tcp ct original ip daddr . meta l4proto . ct original proto-dst @snat-overrides-v4 return",
    "meta mark & 0x00000001 == 0x00000001 meta l4proto tcp ct original ip6 daddr . meta l4proto . ct original proto-dst @snat-overrides-v6 return",
    "meta mark & 0x00000001 == 0x00000001 masquerade",
  ]);
  assert.deepEqual(elements(SNAT_SERVICES, "snat-overrides-v4"), ["203.0.113.2 . tcp . 80"]);
  assert.deepEqual(elements(SNAT_SERVICES, "snat-overrides-v6"), ["2001:db8::2 . tcp . 80"]);
});

test("snat off: masquerade only services with snat true", () => {
  const off = { ...DEFAULT_GATEWAY_SETTINGS, enableSnat: false };
  assert.deepEqual(chains(SNAT_SERVICES, off).get("postrouting"), [
    "meta mark & 0x00000001 == 0x00000001 meta l4proto udp ct original ip daddr . meta l4proto . ct original proto-dst @snat-overrides-v4 masquerade",
  ]);
  assert.deepEqual(elements(SNAT_SERVICES, "snat-overrides-v4", off), ["203.0.113.3 . udp . 53"]);
  assert.equal(buildRuleset(SNAT_SERVICES, off).tables[0]?.sets.has("snat-overrides-v6"), false);
});

test("custom names and mark: the mask really masks", () => {
  const settings: GatewaySettings = {
    ...DEFAULT_GATEWAY_SETTINGS,
    natTableName: "lb_nat",
    natPreroutingChain: "lb-pre",
    natPostroutingChain: "lb-post",
    fwmarkBits: 0x4000,
    fwmarkMask: 0xc000,
  };
  const nat = buildRuleset(one({ id: "web", endpoints: [{ address: "192.0.2.11" }] }), settings)
    .tables[0];
  assert.equal(nat?.name, "lb_nat");
  assert.deepEqual(nat?.chains.get("lb-pre")?.rules, [
    "ip daddr . meta l4proto . th dport @service-ips-v4 meta mark set meta mark & 0xffff3fff | 0x00004000 ct mark set ct mark & 0xffff3fff | 0x00004000",
    "ip daddr . meta l4proto . th dport vmap @service-ips-v4",
    "ip6 daddr . meta l4proto . th dport @service-ips-v6 meta mark set meta mark & 0xffff3fff | 0x00004000 ct mark set ct mark & 0xffff3fff | 0x00004000",
    "ip6 daddr . meta l4proto . th dport vmap @service-ips-v6",
  ]);
  assert.deepEqual(nat?.chains.get("lb-post")?.rules, [
    "meta mark & 0x0000c000 == 0x00004000 masquerade",
  ]);
  assert.deepEqual(nat?.chains.get("lb-pre")?.base, {
    type: "nat",
    hook: "prerouting",
    priority: "dstnat",
    policy: "accept",
  });
});

test("empty inventory: base chains, empty maps, no service chains", () => {
  const rs = buildRuleset(inventory([]), DEFAULT_GATEWAY_SETTINGS);
  assert.deepEqual([...(rs.tables[0]?.chains.keys() ?? [])], ["prerouting", "postrouting"]);
  assert.deepEqual([...(rs.tables[0]?.sets.keys() ?? [])], ["service-ips-v4", "service-ips-v6"]);
  assert.deepEqual(
    rs.tables.map((t) => t.name),
    ["lbaas", "lbaas-filter"],
  );
});

test("sortedElements: sorted by key; the smallest duplicated key is reported", () => {
  const entries = [
    { key: "b", value: "2" },
    { key: "a", value: "1" },
    { key: "c", value: null },
  ];
  assert.deepEqual(
    [...sortedElements("m", entries)],
    [
      ["a", "1"],
      ["b", "2"],
      ["c", null],
    ],
  );
  const twice = ["z", "d", "y", "z", "d", "a"].map((key) => ({ key, value: null }));
  assert.throws(
    () => sortedElements("m", twice),
    (err) =>
      isRenderError(err, "duplicate_key") &&
      err.message.includes('"d" is declared twice') &&
      err.path === "set m",
  );
});
