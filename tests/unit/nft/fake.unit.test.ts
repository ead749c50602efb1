// The fake's transaction semantics: errors for missing objects, refusal to delete
// objects in use, and atomicity.
import assert from "node:assert/strict";
import { test } from "node:test";
import { isNftError } from "../../../libs/nft/errors.ts";
import { FakeNft } from "../../../libs/nft/fake.ts";
import type { NftObject, Operation, Verb } from "../../../libs/nft/render/transaction.ts";

const T = { family: "inet" as const, table: "t" };
const op = (verb: Verb, object: NftObject): Operation => ({ verb, object });
const table = (verb: Verb): Operation => op(verb, { kind: "table", family: "inet", name: "t" });
const chain = (verb: Verb, name: string): Operation =>
  op(verb, { kind: "chain", ...T, name, base: null });
const rule = (c: string, text: string): Operation =>
  op("add", { kind: "rule", ...T, chain: c, rule: text });
const map = (verb: Verb, name: string): Operation =>
  op(verb, {
    kind: "map",
    ...T,
    name,
    keyType: "ipv4_addr",
    dataType: "verdict",
    flags: [],
    timeoutSeconds: null,
    size: null,
  });
const elem = (verb: Verb, key: string, value: string | null): Operation =>
  op(verb, { kind: "element", ...T, set: "m", key, value });

function fresh(): FakeNft {
  const f = new FakeNft();
  f.apply([
    table("add"),
    chain("add", "a"),
    chain("add", "b"),
    map("add", "m"),
    rule("a", "ip daddr vmap @m"),
    elem("add", "192.0.2.1", "goto b"),
  ]);
  return f;
}

const FAILURES: Array<[string, Operation[], string]> = [
  ["rule in a missing chain", [rule("zz", "accept")], "object_not_found"],
  ["rule jumping to a missing chain", [rule("a", "jump zz")], "object_not_found"],
  ["rule using a missing set", [rule("a", "ip saddr @zz accept")], "object_not_found"],
  ["element to a missing chain", [elem("add", "192.0.2.2", "goto zz")], "object_not_found"],
  ["element with another value", [elem("add", "192.0.2.1", "goto a")], "exists"],
  ["create of an existing chain", [chain("create", "a")], "exists"],
  ["delete of a missing element", [elem("delete", "192.0.2.9", null)], "object_not_found"],
  ["delete of a chain a map element points to", [chain("delete", "b")], "failed"],
  ["delete of a set a rule uses", [map("delete", "m")], "failed"],
  ["flush of a missing chain", [chain("flush", "zz")], "object_not_found"],
  [
    "delete of a missing table",
    [op("delete", { kind: "table", family: "inet", name: "zz" })],
    "object_not_found",
  ],
];

for (const [name, ops, code] of FAILURES)
  test(`fake: ${name} fails (${code}) and changes nothing`, () => {
    const f = fresh();
    const before = f.dump();
    // A valid operation first: atomicity means it is rolled back too.
    assert.throws(
      () => f.apply([chain("add", "c"), ...ops]),
      (err) => isNftError(err, code as never),
    );
    assert.equal(f.dump(), before);
  });

test("fake: delete element then chain in one transaction works", () => {
  const f = fresh();
  f.apply([elem("delete", "192.0.2.1", null), chain("delete", "b")]);
  assert.deepEqual(f.chainNames("t"), ["a"]);
});

test("fake: add is idempotent, delete table removes everything, dump is loadable text", () => {
  const f = fresh();
  f.apply([table("add"), chain("add", "a"), elem("add", "192.0.2.1", "goto b")]);
  assert.equal(
    f.dump(),
    [
      "add table inet t",
      "add chain inet t a",
      "add chain inet t b",
      "add map inet t m { type ipv4_addr : verdict; }",
      "add rule inet t a ip daddr vmap @m",
      "add element inet t m { 192.0.2.1 : goto b }",
      "",
    ].join("\n"),
  );
  f.apply([table("add"), table("delete")]);
  assert.equal(f.dump(), "");
});
