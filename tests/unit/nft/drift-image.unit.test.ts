// Drift comparison against what real nft 1.0.6 listed for the sample
// (tests/fixtures/nft/smoke-*.json), and against hand-made differences.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import {
  compareImages,
  expectedImage,
  listedImage,
  ruleAction,
} from "../../../libs/nft/drift-image.ts";
import { buildRuleset } from "../../../libs/nft/render/index.ts";
import { DEFAULT_GATEWAY_SETTINGS } from "../../../libs/nft/settings.ts";
import { SAMPLE } from "./sample.ts";

type Listing = { nftables: Array<Record<string, Record<string, unknown>>> };
const load = (t: string): Listing =>
  JSON.parse(
    readFileSync(new URL(`../../fixtures/nft/smoke-${t}.json`, import.meta.url), "utf8"),
  ) as Listing;
const ruleset = buildRuleset(SAMPLE, DEFAULT_GATEWAY_SETTINGS);

test("drift: what nft listed after loading the sample matches what we rendered", () => {
  for (const t of ["lbaas", "lbaas-filter"]) {
    const expected = expectedImage(ruleset, t);
    assert.ok(expected);
    assert.deepEqual(compareImages(t, expected, listedImage(load(t))), []);
  }
});

test("drift: removed rules, elements and chains, changed targets and extra objects are reported", () => {
  const listing = load("lbaas");
  const items = listing.nftables.filter((o) => {
    const r = o.rule;
    return !(
      r !== undefined &&
      r.chain === "svc-dns-udp-53-v4" &&
      JSON.stringify(r.expr).includes("192.0.2.22")
    );
  });
  for (const o of items) {
    const m = o.map;
    if (m?.name === "service-ips-v6") m.elem = [];
    const r = o.rule;
    if (r?.chain === "svc-web-tcp-80-v4" && JSON.stringify(r.expr).includes("192.0.2.12"))
      r.expr = JSON.parse(JSON.stringify(r.expr).replace("192.0.2.12", "192.0.2.99")) as unknown;
  }
  items.push({ chain: { family: "inet", table: "lbaas", name: "intruder" } });
  const diffs = compareImages(
    "lbaas",
    expectedImage(ruleset, "lbaas") ?? assert.fail(),
    listedImage({ nftables: items }),
  );
  assert.deepEqual(diffs, [
    "table lbaas: chain svc-dns-udp-53-v4 has 1 rules, expected 2",
    'table lbaas: chain svc-web-tcp-80-v4 rule 2 does "dnat 192.0.2.99:8080", expected "dnat 192.0.2.12:8080"',
    "table lbaas: chain intruder is not ours",
    'table lbaas: set service-ips-v6 lacks element "2001:db8::10 . tcp . 80"',
    'table lbaas: set service-ips-v6 lacks element "2001:db8::13 . sctp . 9"',
  ]);
});

test("drift: the terminal action of each rule shape we render", () => {
  const cases: Array<[string, string]> = [
    ["meta l4proto tcp numgen inc mod 3 < 1 dnat ip to 192.0.2.11:8080", "dnat 192.0.2.11:8080"],
    ["meta l4proto tcp dnat ip6 to [2001:db8::11]:80", "dnat 2001:db8::11:80"],
    [
      "ip saddr @m update @m { ip saddr : 0.0.0.0 } meta l4proto tcp dnat ip to ip saddr map @m : 80",
      "dnat map @m:80",
    ],
    ["ip daddr . meta l4proto . th dport vmap @service-ips-v4", "vmap @service-ips-v4"],
    [
      "jhash ip saddr . th sport mod 257 seed 0x1 vmap { 0 : goto b, 1 : goto a, 2 : goto b }",
      "vmap {a,b}",
    ],
    ["meta l4proto tcp reject with tcp reset", "reject tcp reset"],
    ["reject", "reject"],
    ["ip saddr != 198.51.100.0/24 drop", "drop"],
    ["jump pol-x", "jump pol-x"],
    ["meta mark & 0x00000001 == 0x00000001 masquerade", "masquerade"],
    [
      "ip daddr . meta l4proto . th dport @s meta mark set meta mark & 0xfffffffe | 0x00000001 ct mark set ct mark & 0xfffffffe | 0x00000001",
      "ct mark set",
    ],
  ];
  for (const [rule, action] of cases) assert.equal(ruleAction(rule), action, rule);
});
