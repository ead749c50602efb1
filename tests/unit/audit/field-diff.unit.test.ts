import { test } from "node:test";
import assert from "node:assert/strict";
import { canonicalJson, diffFields, formatChange } from "../../../libs/audit/field-diff.ts";

const lines = (before: unknown, after: unknown): string[] =>
  diffFields(before, after).map(formatChange);

const ep = (address: string, state = "ready", weight = 1): Record<string, unknown> => ({
  address,
  port: null,
  weight,
  state,
});

test("field diff - table of spec changes", () => {
  const cases: Array<{ name: string; before: unknown; after: unknown; want: string[] }> = [
    { name: "equal", before: { a: 1, b: [1, 2] }, after: { a: 1, b: [1, 2] }, want: [] },
    {
      name: "scalar field",
      before: { scheduler: "round-robin" },
      after: { scheduler: "random" },
      want: ['scheduler: "round-robin" → "random"'],
    },
    {
      name: "endpoint state in place",
      before: { endpoints: [ep("192.0.2.1"), ep("192.0.2.2")] },
      after: { endpoints: [ep("192.0.2.1"), ep("192.0.2.2", "draining")] },
      want: ['endpoints[1].state: "ready" → "draining"'],
    },
    {
      name: "vip added to a set",
      before: { vips: ["192.0.2.10"] },
      after: { vips: ["192.0.2.10", "2001:db8::10"] },
      want: ['vips: + "2001:db8::10"'],
    },
    {
      name: "vip removed and another added",
      before: { vips: ["192.0.2.10", "192.0.2.11"] },
      after: { vips: ["192.0.2.10", "192.0.2.12"] },
      want: ['vips: - "192.0.2.11"', 'vips: + "192.0.2.12"'],
    },
    {
      name: "endpoint inserted in the middle: one +, no index churn",
      before: { endpoints: [ep("192.0.2.1"), ep("192.0.2.3")] },
      after: { endpoints: [ep("192.0.2.1"), ep("192.0.2.2"), ep("192.0.2.3")] },
      want: ['endpoints[1]: + {"address":"192.0.2.2","port":null,"weight":1,"state":"ready"}'],
    },
    {
      name: "endpoint removed at the end",
      before: { endpoints: [ep("192.0.2.1"), ep("192.0.2.3")] },
      after: { endpoints: [ep("192.0.2.1")] },
      want: ['endpoints[1]: - {"address":"192.0.2.3","port":null,"weight":1,"state":"ready"}'],
    },
    {
      name: "null to object and back",
      before: { sessionAffinity: null },
      after: { sessionAffinity: { timeoutSeconds: 60 } },
      want: ['sessionAffinity: null → {"timeoutSeconds":60}'],
    },
    {
      name: "nested object field",
      before: { sessionAffinity: { timeoutSeconds: 60 } },
      after: { sessionAffinity: { timeoutSeconds: 90 } },
      want: ["sessionAffinity.timeoutSeconds: 60 → 90"],
    },
    {
      name: "key only on one side",
      before: { a: 1 },
      after: { a: 1, b: "x" },
      want: ['b: + "x"'],
    },
    { name: "created", before: undefined, after: { a: 1 }, want: ['+ {"a":1}'] },
    { name: "deleted", before: { a: 1 }, after: undefined, want: ['- {"a":1}'] },
    {
      name: "nested lists of objects",
      before: { ingress: [{ from: [{ cidr: "198.51.100.0/24", except: [] }], ports: [] }] },
      after: {
        ingress: [{ from: [{ cidr: "198.51.100.0/24", except: ["198.51.100.7/32"] }], ports: [] }],
      },
      want: ['ingress[0].from[0].except: + "198.51.100.7/32"'],
    },
  ];
  for (const c of cases) assert.deepEqual(lines(c.before, c.after), c.want, c.name);
});

test("field diff - key order does not matter, values do", () => {
  assert.equal(canonicalJson({ b: 1, a: [1, { d: 2, c: 3 }] }), '{"a":[1,{"c":3,"d":2}],"b":1}');
  assert.deepEqual(diffFields({ a: 1, b: 2 }, { b: 2, a: 1 }), []);
});

test("field diff - long lists stay bounded and correct by position", () => {
  const before = Array.from({ length: 1000 }, (_, i) => ep(`192.0.2.${i % 250}`, "ready", i + 1));
  const after = before.map((e, i) => (i === 500 ? { ...e, state: "draining" } : e));
  assert.deepEqual(lines({ endpoints: before }, { endpoints: after }), [
    'endpoints[500].state: "ready" → "draining"',
  ]);
  // Completely different long lists: paired in order, one change per element.
  const other = before.map((e) => ({ ...e, weight: (e["weight"] as number) + 1000 }));
  assert.equal(diffFields(before, other).length, 1000);
});
