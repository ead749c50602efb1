// The whole ruleset of the sample (golden dump), the full-sync transaction shape,
// determinism, and hostile input that must never reach the script.
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import type { Inventory } from "../../../libs/domain/model.ts";
import { FakeNft } from "../../../libs/nft/fake.ts";
import { isRenderError, renderFull, toScript } from "../../../libs/nft/render/index.ts";
import { DEFAULT_GATEWAY_SETTINGS } from "../../../libs/nft/settings.ts";
import { inventoryArb, settingsArb } from "./arbitraries.ts";
import { inventory, policy, service } from "./inventory-builder.ts";
import { SAMPLE } from "./sample.ts";

const GOLDEN = `
add table inet lbaas
add chain inet lbaas ep-sh-tcp-80-192.0.2.31-80
add chain inet lbaas ep-sh-tcp-80-192.0.2.32-9090
add chain inet lbaas postrouting { type nat hook postrouting priority srcnat; policy accept; }
add chain inet lbaas prerouting { type nat hook prerouting priority dstnat; policy accept; }
add chain inet lbaas svc-dns-udp-53-v4
add chain inet lbaas svc-empty-sctp-9-v4
add chain inet lbaas svc-empty-sctp-9-v6
add chain inet lbaas svc-sh-tcp-80-v4
add chain inet lbaas svc-web-tcp-80-v4
add chain inet lbaas svc-web-tcp-80-v6
add map inet lbaas aff-sh-tcp-80-v4-80 { type ipv4_addr : ipv4_addr; flags dynamic,timeout; timeout 600s; size 262144; }
add map inet lbaas aff-sh-tcp-80-v4-9090 { type ipv4_addr : ipv4_addr; flags dynamic,timeout; timeout 600s; size 262144; }
add map inet lbaas service-ips-v4 { type ipv4_addr . inet_proto . inet_service : verdict; }
add map inet lbaas service-ips-v6 { type ipv6_addr . inet_proto . inet_service : verdict; }
add set inet lbaas snat-overrides-v4 { type ipv4_addr . inet_proto . inet_service; }
add rule inet lbaas ep-sh-tcp-80-192.0.2.31-80 meta l4proto tcp update @aff-sh-tcp-80-v4-80 { ip saddr : 192.0.2.31 } dnat ip to 192.0.2.31:80
add rule inet lbaas ep-sh-tcp-80-192.0.2.32-9090 meta l4proto tcp update @aff-sh-tcp-80-v4-9090 { ip saddr : 192.0.2.32 } dnat ip to 192.0.2.32:9090
add rule inet lbaas postrouting meta mark & 0x00000001 == 0x00000001 meta l4proto udp ct original ip daddr . meta l4proto . ct original proto-dst @snat-overrides-v4 return
add rule inet lbaas postrouting meta mark & 0x00000001 == 0x00000001 masquerade
add rule inet lbaas prerouting ip daddr . meta l4proto . th dport @service-ips-v4 meta mark set meta mark & 0xfffffffe | 0x00000001 ct mark set ct mark & 0xfffffffe | 0x00000001
add rule inet lbaas prerouting ip daddr . meta l4proto . th dport vmap @service-ips-v4
add rule inet lbaas prerouting ip6 daddr . meta l4proto . th dport @service-ips-v6 meta mark set meta mark & 0xfffffffe | 0x00000001 ct mark set ct mark & 0xfffffffe | 0x00000001
add rule inet lbaas prerouting ip6 daddr . meta l4proto . th dport vmap @service-ips-v6
add rule inet lbaas svc-dns-udp-53-v4 meta l4proto udp numgen random mod 2 < 1 dnat ip to 192.0.2.21:53
add rule inet lbaas svc-dns-udp-53-v4 meta l4proto udp dnat ip to 192.0.2.22:53
add rule inet lbaas svc-empty-sctp-9-v4 reject
add rule inet lbaas svc-empty-sctp-9-v6 reject
add rule inet lbaas svc-sh-tcp-80-v4 ip saddr @aff-sh-tcp-80-v4-80 update @aff-sh-tcp-80-v4-80 { ip saddr : 0.0.0.0 } meta l4proto tcp dnat ip to ip saddr map @aff-sh-tcp-80-v4-80 : 80
add rule inet lbaas svc-sh-tcp-80-v4 ip saddr @aff-sh-tcp-80-v4-9090 update @aff-sh-tcp-80-v4-9090 { ip saddr : 0.0.0.0 } meta l4proto tcp dnat ip to ip saddr map @aff-sh-tcp-80-v4-9090 : 9090
add rule inet lbaas svc-web-tcp-80-v4 ip saddr != 198.51.100.0/24 drop
add rule inet lbaas svc-web-tcp-80-v4 meta l4proto tcp numgen inc mod 3 < 1 dnat ip to 192.0.2.11:8080
add rule inet lbaas svc-web-tcp-80-v4 meta l4proto tcp dnat ip to 192.0.2.12:8080
add rule inet lbaas svc-web-tcp-80-v6 drop
add element inet lbaas service-ips-v4 { 203.0.113.10 . tcp . 80 : goto svc-web-tcp-80-v4 }
add element inet lbaas service-ips-v4 { 203.0.113.11 . udp . 53 : goto svc-dns-udp-53-v4 }
add element inet lbaas service-ips-v4 { 203.0.113.12 . tcp . 80 : goto svc-sh-tcp-80-v4 }
add element inet lbaas service-ips-v4 { 203.0.113.13 . sctp . 9 : goto svc-empty-sctp-9-v4 }
add element inet lbaas service-ips-v6 { 2001:db8::10 . tcp . 80 : goto svc-web-tcp-80-v6 }
add element inet lbaas service-ips-v6 { 2001:db8::13 . sctp . 9 : goto svc-empty-sctp-9-v6 }
add element inet lbaas snat-overrides-v4 { 203.0.113.11 . udp . 53 }
add table inet lbaas-filter
add chain inet lbaas-filter forward { type filter hook forward priority filter; policy accept; }
add chain inet lbaas-filter pod-192.0.2.11
add chain inet lbaas-filter pod-192.0.2.12
add chain inet lbaas-filter pod-2001-db8--11
add chain inet lbaas-filter pol-deny-all
add chain inet lbaas-filter pol-web-backends
add map inet lbaas-filter policy-targets-v4 { type ipv4_addr : verdict; }
add map inet lbaas-filter policy-targets-v6 { type ipv6_addr : verdict; }
add rule inet lbaas-filter forward ct direction original ct mark & 0x00000001 == 0x00000001 ip daddr vmap @policy-targets-v4
add rule inet lbaas-filter forward ct direction original ct mark & 0x00000001 == 0x00000001 ip6 daddr vmap @policy-targets-v6
add rule inet lbaas-filter forward ct mark & 0x00000001 == 0x00000001 accept
add rule inet lbaas-filter pod-192.0.2.11 jump pol-web-backends
add rule inet lbaas-filter pod-192.0.2.11 drop
add rule inet lbaas-filter pod-192.0.2.12 jump pol-deny-all
add rule inet lbaas-filter pod-192.0.2.12 jump pol-web-backends
add rule inet lbaas-filter pod-192.0.2.12 drop
add rule inet lbaas-filter pod-2001-db8--11 jump pol-web-backends
add rule inet lbaas-filter pod-2001-db8--11 drop
add rule inet lbaas-filter pol-web-backends ip saddr 198.51.100.0/24 ip saddr != 198.51.100.128/25 tcp dport 8080 accept
add rule inet lbaas-filter pol-web-backends ip saddr 198.51.100.0/24 ip saddr != 198.51.100.128/25 udp dport 9000-9010 accept
add rule inet lbaas-filter pol-web-backends meta l4proto tcp accept
add element inet lbaas-filter policy-targets-v4 { 192.0.2.11 : goto pod-192.0.2.11 }
add element inet lbaas-filter policy-targets-v4 { 192.0.2.12 : goto pod-192.0.2.12 }
add element inet lbaas-filter policy-targets-v6 { 2001:db8::11 : goto pod-2001-db8--11 }
`;

test("golden: the sample's whole ruleset (source-hash slot rule checked in render-nat)", () => {
  const fake = new FakeNft();
  fake.apply(renderFull(SAMPLE, DEFAULT_GATEWAY_SETTINGS).tx);
  const dump = fake
    .dump()
    .split("\n")
    .filter((l) => !l.includes("jhash"))
    .join("\n");
  assert.equal(dump, GOLDEN.trimStart());
});

test("full transaction: idempotent delete of both tables, then creation", () => {
  const lines = toScript(renderFull(inventory([]), DEFAULT_GATEWAY_SETTINGS).tx).split("\n");
  assert.deepEqual(lines.slice(0, 6), [
    "add table inet lbaas",
    "delete table inet lbaas",
    "add table inet lbaas-filter",
    "delete table inet lbaas-filter",
    "add table inet lbaas",
    "add chain inet lbaas prerouting { type nat hook prerouting priority dstnat; policy accept; }",
  ]);
});

test("elements are batched in the script, 1,000 per line", () => {
  const services = Array.from({ length: 1500 }, (_, i) =>
    service({
      id: `s${i}`,
      vips: [`203.0.113.${1 + (i % 200)}`],
      ports: [{ port: 1000 + Math.floor(i / 200) }],
    }),
  );
  const lines = toScript(renderFull(inventory(services), DEFAULT_GATEWAY_SETTINGS).tx).split("\n");
  const batches = lines.filter((l) => l.startsWith("add element inet lbaas service-ips-v4 "));
  assert.deepEqual(
    batches.map((l) => l.split(" : goto ").length - 1),
    [1000, 500],
  );
});

test("determinism: equal input gives a byte-identical script, whatever the input order", () => {
  fc.assert(
    fc.property(inventoryArb, settingsArb, (inv, settings) => {
      const shuffled: Inventory = {
        services: [...inv.services].reverse(),
        endpoints: [...inv.endpoints].reverse(),
        policies: [...inv.policies].reverse(),
      };
      const a = toScript(renderFull(inv, settings).tx);
      assert.equal(toScript(renderFull(structuredClone(inv), settings).tx), a);
      assert.equal(toScript(renderFull(shuffled, settings).tx), a);
    }),
  );
});

const HOSTILE = [
  "x; flush ruleset",
  "a }\nadd table ip evil",
  "192.0.2.1 } ; drop",
  "$(reboot)",
  "web\u0000",
  "",
  "WEB",
  "-web",
];

test("hostile ids, addresses and numbers are refused with a typed error", () => {
  const cases: Array<[string, () => Inventory]> = [];
  for (const h of HOSTILE) {
    cases.push([`service id ${JSON.stringify(h)}`, () => inventory([service({ id: h })])]);
    cases.push([`vip ${JSON.stringify(h)}`, () => inventory([service({ id: "web", vips: [h] })])]);
    cases.push([
      `endpoint ${JSON.stringify(h)}`,
      () => inventory([service({ id: "web", endpoints: [{ address: h }] })]),
    ]);
    cases.push([
      `source range ${JSON.stringify(h)}`,
      () => inventory([service({ id: "web", sourceRanges: [h] })]),
    ]);
    cases.push([
      `policy id ${JSON.stringify(h)}`,
      () => inventory([], [policy(h, ["192.0.2.1"], [])]),
    ]);
    cases.push([`policy target ${JSON.stringify(h)}`, () => inventory([], [policy("p", [h], [])])]);
    cases.push([
      `policy cidr ${JSON.stringify(h)}`,
      () => inventory([], [policy("p", ["192.0.2.1"], [{ from: [{ cidr: h, except: [] }] }])]),
    ]);
  }
  const bad = (o: object): Inventory => o as unknown as Inventory;
  cases.push(
    ["non-canonical ipv4", () => inventory([service({ id: "web", vips: ["203.0.113.010"] })])],
    ["non-canonical ipv6", () => inventory([service({ id: "web", vips: ["2001:DB8::1"] })])],
    [
      "uncompressed ipv6",
      () => inventory([service({ id: "web", vips: ["2001:db8:0:0:0:0:0:1"] })]),
    ],
    [
      "cidr with host bits",
      () => inventory([service({ id: "web", sourceRanges: ["198.51.100.1/24"] })]),
    ],
    [
      "except of another family",
      () =>
        inventory(
          [],
          [
            policy(
              "p",
              ["192.0.2.1"],
              [{ from: [{ cidr: "198.51.100.0/24", except: ["2001:db8::/64"] }] }],
            ),
          ],
        ),
    ],
    ["port 0", () => inventory([service({ id: "web", ports: [{ port: 0 }] })])],
    ["port 70000", () => inventory([service({ id: "web", ports: [{ port: 70000 }] })])],
    [
      "fractional weight",
      () => inventory([service({ id: "web", endpoints: [{ address: "192.0.2.1", weight: 1.5 }] })]),
    ],
    [
      "NaN weight",
      () => inventory([service({ id: "web", endpoints: [{ address: "192.0.2.1", weight: NaN }] })]),
    ],
    [
      "string port",
      () =>
        bad({
          ...inventory([service({ id: "web" })]),
          services: [
            {
              ...service({ id: "web" }).spec,
              ports: [{ protocol: "tcp", port: "80 accept", targetPort: 80 }],
            },
          ],
        }),
    ],
    [
      "protocol icmp",
      () =>
        bad({
          ...inventory([]),
          services: [
            {
              ...service({ id: "web" }).spec,
              ports: [{ protocol: "icmp; drop", port: 80, targetPort: 80 }],
            },
          ],
        }),
    ],
    [
      "scheduler",
      () =>
        bad({
          ...inventory([]),
          services: [{ ...service({ id: "web" }).spec, scheduler: "rr; flush ruleset" }],
        }),
    ],
    [
      "affinity timeout",
      () =>
        inventory([
          service({
            id: "web",
            sessionAffinity: { timeoutSeconds: -1 },
            endpoints: [{ address: "192.0.2.1" }],
          }),
        ]),
    ],
    ["duplicate vip:port", () => inventory([service({ id: "a" }), service({ id: "b" })])],
  );
  for (const [name, make] of cases) {
    let inv: Inventory;
    try {
      inv = make();
    } catch {
      continue; // the builder itself refused it
    }
    assert.throws(
      () => renderFull(inv, DEFAULT_GATEWAY_SETTINGS),
      (err) => isRenderError(err),
      name,
    );
  }
});

test("hostile settings names are refused by the renderer too", () => {
  for (const name of ["lbaas; flush ruleset", "tcp", "a b", "", "x".repeat(300)])
    assert.throws(
      () => renderFull(inventory([]), { ...DEFAULT_GATEWAY_SETTINGS, natTableName: name }),
      (err) => isRenderError(err, "unsafe_name"),
      name,
    );
  assert.throws(
    () => renderFull(inventory([]), { ...DEFAULT_GATEWAY_SETTINGS, fwmarkBits: 0 }),
    (err) => isRenderError(err, "unsafe_number"),
  );
});
