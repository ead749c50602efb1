// Request metadata: If-Match / expectedVersion, actor, reason and correlation id, flags.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { HttpRequest } from "../../../libs/http/router.ts";
import {
  expectedVersionOf,
  flagOf,
  stampOf,
} from "../../../services/control-plane/http/request-meta.ts";

function req(headers: Record<string, string> = {}, query = ""): HttpRequest {
  return {
    method: "PUT",
    path: "/v1/services/x",
    params: {},
    query: new URLSearchParams(query),
    headers,
    requestId: "req-1",
    json: () => Promise.resolve(null),
  };
}

const versions: {
  name: string;
  headers?: Record<string, string>;
  query?: string;
  want: number | undefined | "400";
}[] = [
  { name: "none", want: undefined },
  { name: "quoted", headers: { "if-match": '"3"' }, want: 3 },
  { name: "weak", headers: { "if-match": 'W/"3"' }, want: 3 },
  { name: "bare", headers: { "if-match": "3" }, want: 3 },
  { name: "zero", headers: { "if-match": '"0"' }, want: 0 },
  { name: "star", headers: { "if-match": "*" }, want: undefined },
  { name: "query", query: "expectedVersion=7", want: 7 },
  { name: "both agree", headers: { "if-match": '"7"' }, query: "expectedVersion=7", want: 7 },
  {
    name: "both disagree",
    headers: { "if-match": '"6"' },
    query: "expectedVersion=7",
    want: "400",
  },
  { name: "not a number", headers: { "if-match": '"abc"' }, want: "400" },
  { name: "negative", query: "expectedVersion=-1", want: "400" },
  { name: "leading zero", query: "expectedVersion=01", want: "400" },
  { name: "huge", headers: { "if-match": `"${"9".repeat(30)}"` }, want: "400" },
];
for (const c of versions) {
  test(`expected version: ${c.name}`, () => {
    const r = req(c.headers, c.query);
    if (c.want === "400")
      assert.throws(
        () => expectedVersionOf(r),
        (e: { status?: number }) => e.status === 400,
      );
    else assert.equal(expectedVersionOf(r), c.want);
  });
}

test("stamp: header values, defaults, and refused values", () => {
  assert.deepEqual(stampOf(req(), "x-lbaas-actor", "anonymous"), {
    actor: "anonymous",
    reason: "",
    correlationId: "req-1",
  });
  assert.deepEqual(
    stampOf(
      req({ "x-who": "alice", "x-lbaas-reason": "ticket 1", "x-correlation-id": "c-9" }),
      "x-who",
      "anonymous",
    ),
    { actor: "alice", reason: "ticket 1", correlationId: "c-9" },
  );
  assert.throws(
    () => stampOf(req({ "x-lbaas-actor": "a".repeat(257) }), "x-lbaas-actor", "x"),
    /at most 256/,
  );
  assert.throws(
    () => stampOf(req({ "x-lbaas-reason": "bad\u0007bell" }), "x-lbaas-actor", "x"),
    /printable/,
  );
});

test("flags", () => {
  assert.equal(flagOf(req({}, ""), "dryRun", false), false);
  assert.equal(flagOf(req({}, "dryRun"), "dryRun", false), true);
  assert.equal(flagOf(req({}, "dryRun=TRUE"), "dryRun", false), true);
  assert.equal(flagOf(req({}, "prune=0"), "prune", true), false);
  assert.throws(() => flagOf(req({}, "prune=maybe"), "prune", true), /not true or false/);
});
