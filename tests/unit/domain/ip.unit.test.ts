import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  cidrContains,
  cidrContainsAddress,
  compareAddresses,
  formatAddress,
  parseAddress,
  parseCidr,
  specialUseOf,
  type IpAddress,
  type IpCidr,
} from "../../../libs/domain/ip.ts";

function addr(text: string): IpAddress {
  const r = parseAddress(text);
  assert.ok(r.ok, `${text}: ${r.ok ? "" : r.reason}`);
  return r.value;
}

function cidr(text: string): IpCidr {
  const r = parseCidr(text);
  assert.ok(r.ok, `${text}: ${r.ok ? "" : r.reason}`);
  return r.value;
}

test("ip - valid addresses parse to their canonical text and family", () => {
  const cases: [string, string, "ipv4" | "ipv6"][] = [
    ["192.0.2.1", "192.0.2.1", "ipv4"],
    ["0.0.0.0", "0.0.0.0", "ipv4"],
    ["255.255.255.255", "255.255.255.255", "ipv4"],
    ["203.0.113.10", "203.0.113.10", "ipv4"],
    ["2001:db8::1", "2001:db8::1", "ipv6"],
    ["2001:DB8::1", "2001:db8::1", "ipv6"],
    ["2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1", "ipv6"],
    ["2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1", "ipv6"], // first of equal runs
    ["2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1", "ipv6"], // one zero group stays
    ["2001:0:0:1:0:0:0:1", "2001:0:0:1::1", "ipv6"], // the longest run wins
    ["::", "::", "ipv6"],
    ["::1", "::1", "ipv6"],
    ["1::", "1::", "ipv6"],
    ["1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:0", "ipv6"], // "::" for one group is allowed in input
    ["::2:3:4:5:6:7:8", "0:2:3:4:5:6:7:8", "ipv6"],
    ["fe80::abcd:ef01", "fe80::abcd:ef01", "ipv6"],
    ["::ffff:192.0.2.1", "::ffff:192.0.2.1", "ipv6"],
    ["::FFFF:c000:0201", "::ffff:192.0.2.1", "ipv6"],
    ["::192.0.2.1", "::c000:201", "ipv6"],
    ["64:ff9b::192.0.2.33", "64:ff9b::c000:221", "ipv6"],
    ["2001:db8:1:2:3:4:192.0.2.1", "2001:db8:1:2:3:4:c000:201", "ipv6"],
    [
      "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255",
      "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
      "ipv6",
    ],
  ];
  for (const [input, canonical, family] of cases) {
    const a = addr(input);
    assert.equal(a.text, canonical, input);
    assert.equal(a.family, family, input);
    assert.equal(addr(a.text).text, canonical, `${input}: canonical text is a fixed point`);
  }
});

test("ip - malformed and hostile addresses are refused with a reason", () => {
  const cases: [unknown, RegExp][] = [
    ["", /is not an ip address/],
    [" 192.0.2.1", /is not an ip address/],
    ["192.0.2.1 ", /is not an ip address/],
    ["192.0.2.1\n", /is not an ip address/],
    ["192.0.2.1; flush ruleset", /is not an ip address/],
    ["1.2.3.4; flush ruleset", /is not an ip address/],
    ['"', /is not an ip address/],
    ["{", /is not an ip address/],
    ["}", /is not an ip address/],
    ["*", /is not an ip address/],
    [">", /is not an ip address/],
    ["lbaas.evt.>", /is not an ip address/],
    ["192.0.2", /is not an ip address/],
    ["192.0.2.1.5", /is not an ip address/],
    ["192.0.2.256", /above 255/],
    ["192.0.2.01", /leading zero/],
    ["010.0.0.1", /leading zero/],
    ["00.0.0.1", /leading zero/],
    ["0x7f.0.0.1", /is not an ip address/],
    ["+1.2.3.4", /is not an ip address/],
    ["1.2.3.-4", /is not an ip address/],
    ["１.２.３.４", /is not an ip address/], // full-width digits
    ["١٩٢.0.2.1", /is not an ip address/], // Arabic-Indic digits
    ["192.0.2.1/32", /is not an ip address/],
    ["fe80::1%eth0", /zone index/],
    ["fe80::1%25eth0", /zone index/],
    ["1:2:3:4:5:6:7:8:9", /is not an ip address/],
    ["1:2:3:4:5:6:7", /is not an ip address/],
    ["1::2::3", /more than one '::'/],
    [":::", /is not an ip address/],
    [":1::", /is not an ip address/],
    ["1:2:3:4:5:6:7:8::", /is not an ip address/],
    ["12345::", /is not an ip address/],
    ["g::1", /is not an ip address/],
    ["::ffff:192.0.2.01", /leading zero/],
    ["::192.0.2.1:1", /is not an ip address/],
    ["1:2:3:4:5:6:7:192.0.2.1", /is not an ip address/],
    ["1.2.3.4::", /is not an ip address/],
    ["2001:db8::1 ", /is not an ip address/],
    ["a".repeat(10_000), /too long/],
    ["1".repeat(1_000_000), /too long/],
    [42, /is not a string/],
    [null, /is not a string/],
    [undefined, /is not a string/],
    [["192.0.2.1"], /is not a string/],
    [{ toString: () => "192.0.2.1" }, /is not a string/],
  ];
  for (const [input, reason] of cases) {
    const r = parseAddress(input);
    assert.equal(r.ok, false, `${String(input).slice(0, 40)} should be refused`);
    if (!r.ok) assert.match(r.reason, reason, String(input).slice(0, 40));
  }
});

test("ip - cidrs parse canonically; host bits name the intended network", () => {
  const ok: [string, string, number][] = [
    ["192.0.2.0/24", "192.0.2.0/24", 24],
    ["0.0.0.0/0", "0.0.0.0/0", 0],
    ["192.0.2.7/32", "192.0.2.7/32", 32],
    ["2001:DB8::/32", "2001:db8::/32", 32],
    ["::/0", "::/0", 0],
    ["2001:db8::1/128", "2001:db8::1/128", 128],
    ["198.51.100.128/25", "198.51.100.128/25", 25],
  ];
  for (const [input, canonical, prefix] of ok) {
    const c = cidr(input);
    assert.equal(c.text, canonical);
    assert.equal(c.prefix, prefix);
  }
  const bad: [unknown, RegExp][] = [
    ["192.0.2.1/24", /has host bits set; the network is "192\.0\.2\.0\/24"/],
    ["2001:db8::1/32", /has host bits set; the network is "2001:db8::\/32"/],
    ["198.51.100.129/25", /the network is "198\.51\.100\.128\/25"/],
    ["192.0.2.0", /"\/prefix" is missing/],
    ["192.0.2.0/33", /invalid prefix length \(0-32\)/],
    ["2001:db8::/129", /invalid prefix length \(0-128\)/],
    ["192.0.2.0/024", /invalid prefix length/],
    ["192.0.2.0/-1", /invalid prefix length/],
    ["192.0.2.0/", /invalid prefix length/],
    ["192.0.2.0/24/8", /invalid prefix length/],
    ["192.0.2.0/ 24", /invalid prefix length/],
    ["192.0.2.0/24; flush ruleset", /invalid prefix length|too long/],
    ["300.0.2.0/24", /above 255/],
    ["fe80::%eth0/64", /zone index/],
    ["x/24", /is not a cidr/],
    ["/24", /is not a cidr/],
    ["9".repeat(100_000), /too long/],
    [24, /is not a string/],
  ];
  for (const [input, reason] of bad) {
    const r = parseCidr(input);
    assert.equal(r.ok, false, `${String(input).slice(0, 40)} should be refused`);
    if (!r.ok) assert.match(r.reason, reason, String(input).slice(0, 40));
  }
});

test("ip - containment of cidrs and addresses", () => {
  const cases: [string, string, boolean][] = [
    ["198.51.100.0/24", "198.51.100.128/25", true],
    ["198.51.100.0/24", "198.51.100.0/24", true],
    ["198.51.100.0/24", "198.51.0.0/16", false],
    ["198.51.100.0/24", "198.51.101.0/25", false],
    ["0.0.0.0/0", "203.0.113.0/24", true],
    ["2001:db8::/32", "2001:db8:1::/48", true],
    ["2001:db8::/32", "2001:db9::/48", false],
    ["::/0", "192.0.2.0/24", false], // different families never contain each other
    ["0.0.0.0/0", "::/0", false],
  ];
  for (const [outer, inner, want] of cases) {
    assert.equal(cidrContains(cidr(outer), cidr(inner)), want, `${outer} ⊇ ${inner}`);
  }
  assert.equal(cidrContainsAddress(cidr("192.0.2.0/24"), addr("192.0.2.255")), true);
  assert.equal(cidrContainsAddress(cidr("192.0.2.0/25"), addr("192.0.2.128")), false);
  assert.equal(cidrContainsAddress(cidr("2001:db8::/64"), addr("2001:db8::ffff")), true);
  assert.equal(cidrContainsAddress(cidr("::/0"), addr("192.0.2.1")), false);
});

test("ip - address order: ipv4 first, then numeric (not lexical)", () => {
  const sorted = ["2001:db8::10", "192.0.2.10", "192.0.2.9", "2001:db8::9", "10.0.0.1"]
    .map(addr)
    .sort(compareAddresses)
    .map((a) => a.text);
  assert.deepEqual(sorted, ["10.0.0.1", "192.0.2.9", "192.0.2.10", "2001:db8::9", "2001:db8::10"]);
});

test("ip - special-use addresses are named", () => {
  const cases: [string, RegExp | null][] = [
    ["192.0.2.1", null],
    ["2001:db8::1", null],
    ["0.0.0.0", /this network/],
    ["127.0.0.1", /loopback/],
    ["224.0.0.1", /multicast/],
    ["255.255.255.255", /broadcast/],
    ["240.0.0.1", /reserved/],
    ["::", /unspecified/],
    ["::1", /loopback/],
    ["ff02::1", /multicast/],
    ["::ffff:192.0.2.1", /ipv4-mapped address; use the ipv4 address "192\.0\.2\.1"/],
  ];
  for (const [text, want] of cases) {
    const got = specialUseOf(addr(text));
    if (want === null) assert.equal(got, null, text);
    else assert.match(got ?? "", want, text);
  }
});

test("ip - property: formatting any 16 or 4 bytes parses back to the same bytes", () => {
  fc.assert(
    fc.property(
      fc.oneof(
        fc.uint8Array({ minLength: 4, maxLength: 4 }),
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
      ),
      (bytes) => {
        const text = formatAddress(bytes);
        const back = parseAddress(text);
        assert.ok(back.ok, text);
        assert.deepEqual(Array.from(back.value.bytes), Array.from(bytes));
        assert.equal(back.value.text, text);
        assert.equal(text, text.toLowerCase());
      },
    ),
    { numRuns: 2000 },
  );
});

test("ip - property: arbitrary strings never throw and never yield a non-canonical value", () => {
  fc.assert(
    fc.property(fc.string({ unit: "binary", maxLength: 60 }), (s) => {
      const a = parseAddress(s);
      if (a.ok) assert.equal(parseAddress(a.value.text).ok, true);
      const c = parseCidr(s);
      if (c.ok) assert.equal(parseCidr(c.value.text).ok, true);
    }),
    { numRuns: 5000 },
  );
});
