import { test } from "node:test";
import assert from "node:assert/strict";
import { formatPoint, parsePoint, pointQuery } from "../../../libs/audit/point.ts";

test("point - sequences and rfc 3339 times", () => {
  const cases: Array<[string, unknown]> = [
    ["1234", { seq: 1234 }],
    ["seq:1234", { seq: 1234 }],
    ["0", { seq: 0 }],
    ["2026-11-26T15:00:00Z", { time: Date.UTC(2026, 10, 26, 15) }],
    ["2026-11-26t15:00:00z", { time: Date.UTC(2026, 10, 26, 15) }],
    ["2026-11-26 15:00:00Z", { time: Date.UTC(2026, 10, 26, 15) }],
    ["2026-11-26T16:00:00+01:00", { time: Date.UTC(2026, 10, 26, 15) }],
    ["2026-11-26T10:30:00-04:30", { time: Date.UTC(2026, 10, 26, 15) }],
    ["2026-11-26T15:00:00.25Z", { time: Date.UTC(2026, 10, 26, 15, 0, 0, 250) }],
    ["2026-11-26T15:00:00.123456789Z", { time: Date.UTC(2026, 10, 26, 15, 0, 0, 123) }],
    ["2028-02-29T00:00:00Z", { time: Date.UTC(2028, 1, 29) }],
    ["2016-12-31T23:59:60Z", { time: Date.UTC(2016, 11, 31, 23, 59, 59, 999) }],
    ["0050-01-01T00:00:00Z", { time: -60589296000000 }],
  ];
  for (const [text, want] of cases) {
    const r = parsePoint(text, "--at");
    assert.ok(r.ok, `${text}: ${JSON.stringify(r)}`);
    assert.deepEqual(r.point, want, text);
  }
});

test("point - bad values name the flag and quote the value", () => {
  const bad = [
    "",
    "yesterday",
    "-5",
    "seq:",
    "seq:-1",
    "12.5",
    "99999999999999999",
    "2026-11-26",
    "2026-11-26T15:00:00",
    "2026-13-01T00:00:00Z",
    "2027-02-29T00:00:00Z",
    "2026-11-31T00:00:00Z",
    "2026-11-26T24:00:00Z",
    "2026-11-26T15:60:00Z",
    "2026-11-26T15:00:00+24:00",
    "2026-11-26T15:00:00.Z",
    " 2026-11-26T15:00:00Z",
  ];
  for (const text of bad) {
    const r = parsePoint(text, "--from");
    assert.equal(r.ok, false, text);
    if (r.ok) continue;
    assert.equal(r.problem.path, "--from");
    assert.ok(
      r.problem.message.startsWith(`${JSON.stringify(text)} is not a time`),
      r.problem.message,
    );
  }
  const r = parsePoint("2026-11-26", "--at");
  assert.ok(!r.ok && r.problem.message.includes("add a time of day and a zone"));
});

test("point - formatting round-trips through the query text", () => {
  for (const p of [{ seq: 42 }, { time: Date.UTC(2026, 10, 26, 15, 0, 0, 5) }]) {
    const r = parsePoint(pointQuery(p), "at");
    assert.ok(r.ok);
    assert.deepEqual(r.point, p);
  }
  assert.equal(formatPoint({ seq: 7 }), "seq 7");
  assert.equal(formatPoint({ time: Date.UTC(2026, 10, 26, 15) }), "2026-11-26T15:00:00.000Z");
});
