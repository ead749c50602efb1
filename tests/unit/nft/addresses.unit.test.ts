// Canonical address literals: the renderer's last guard must agree with RFC 5952
// (and so with the domain validator's canonical form).
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import {
  canonicalCidrFamily,
  canonicalFamily,
  canonicalV4Value,
  formatIPv6,
  parseIPv6,
} from "../../../libs/nft/render/addresses.ts";

test("canonical ipv4 and ipv6 literals are accepted, other spellings refused", () => {
  const yes = [
    "0.0.0.0",
    "192.0.2.1",
    "255.255.255.255",
    "2001:db8::1",
    "::",
    "::1",
    "1::",
    "2001:db8:0:1:1:1:1:1",
    "2001:0:0:1::1",
    "fe80::1:0:0:1",
    "::ffff:192.0.2.1",
    "1:2:3:4:5:6:7:8",
    "0:0:1::",
    "1:0:0:2::3",
  ];
  const no = [
    "192.0.2.01",
    "256.0.0.1",
    "1.2.3",
    "2001:DB8::1",
    "2001:db8:0:0:0:0:0:1",
    "2001:db8::0:1",
    "2001:0db8::1",
    "1::2::3",
    "::ffff:c000:201",
    "1:2:3:4:5:6:7::",
    "1:2:3:4:5:6:7:8:9",
    ":1::",
    "1:",
    "2001:db8::1 ",
    " ::1",
    "2001:db8::1%eth0",
    "",
  ];
  for (const a of yes) assert.notEqual(canonicalFamily(a), null, a);
  for (const a of no) assert.equal(canonicalFamily(a), null, a);
});

test("every address printed canonically is accepted, and only that spelling", () => {
  fc.assert(
    fc.property(
      fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 0xffff })), {
        minLength: 8,
        maxLength: 8,
      }),
      (groups) => {
        const text = formatIPv6(groups);
        assert.equal(canonicalFamily(text), "v6", text);
        assert.deepEqual(parseIPv6(text), groups);
        const long = groups.map((g) => g.toString(16).padStart(4, "0")).join(":");
        if (long !== text) assert.equal(canonicalFamily(long), null, long);
      },
    ),
    { numRuns: 2000 },
  );
});

test("cidrs: canonical address, host bits zero, length in range", () => {
  assert.equal(canonicalCidrFamily("198.51.100.0/24"), "v4");
  assert.equal(canonicalCidrFamily("2001:db8::/32"), "v6");
  assert.equal(canonicalCidrFamily("0.0.0.0/0"), "v4");
  for (const c of [
    "198.51.100.1/24",
    "198.51.100.0/33",
    "198.51.100.0/024",
    "2001:db8::/129",
    "2001:db8::1/64",
    "198.51.100.0",
    "x/8",
  ])
    assert.equal(canonicalCidrFamily(c), null, c);
});

test("the ipv4 scanner agrees with the canonical dotted-quad grammar, and cidr host bits are checked", () => {
  const octet = "(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])";
  const grammar = new RegExp(`^${octet}\\.${octet}\\.${octet}\\.${octet}$`);
  const text = fc.oneof(
    fc.tuple(...Array.from({ length: 4 }, () => fc.nat(300))).map((o) => o.join(".")),
    fc.stringMatching(/^[0-9.]{0,17}$/),
    fc.string({ maxLength: 16 }),
  );
  fc.assert(
    fc.property(text, (t) => {
      assert.equal(canonicalFamily(t) === "v4", grammar.test(t), t);
      const v = canonicalV4Value(t);
      if (grammar.test(t))
        assert.equal(
          v,
          t.split(".").reduce((acc, o) => acc * 256 + Number(o), 0),
        );
      else assert.equal(v, -1);
    }),
    { numRuns: 3000 },
  );
  fc.assert(
    fc.property(fc.nat(2 ** 32 - 1), fc.integer({ min: 0, max: 32 }), (value, len) => {
      const addr = [value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255].join(".");
      const hostBitsZero = BigInt(value) % 2n ** BigInt(32 - len) === 0n;
      assert.equal(canonicalCidrFamily(`${addr}/${len}`), hostBitsZero ? "v4" : null);
    }),
  );
});
