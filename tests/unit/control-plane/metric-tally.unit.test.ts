import { test } from "node:test";
import assert from "node:assert/strict";
import { Counter, Histogram, Registry } from "prom-client";
import { CounterTally, HistogramTally } from "../../../services/control-plane/metric-tally.ts";

const BUCKETS = [0.001, 0.01, 0.1, 1];
const VALUES = [0, 0.0005, 0.001, 0.002, 0.05, 0.1, 0.5, 3, 42];

test("metric tally: the same exposition as prom-client's Histogram and Counter", async () => {
  const mine = new Registry();
  const theirs = new Registry();
  const tally = new HistogramTally(mine, {
    name: "h",
    help: "a histogram",
    labelNames: ["method", "route"],
    buckets: BUCKETS,
  });
  const plain = new HistogramTally(mine, { name: "p", help: "no labels", buckets: BUCKETS });
  const counter = new CounterTally(mine, "c_total", "a counter", ["kind", "status"]);
  const h = new Histogram({
    name: "h",
    help: "a histogram",
    labelNames: ["method", "route"],
    buckets: BUCKETS,
    registers: [theirs],
  });
  const p = new Histogram({ name: "p", help: "no labels", buckets: BUCKETS, registers: [theirs] });
  const c = new Counter({
    name: "c_total",
    help: "a counter",
    labelNames: ["kind", "status"],
    registers: [theirs],
  });
  assert.equal(await mine.metrics(), await theirs.metrics(), "before any observation");
  for (const [i, v] of VALUES.entries()) {
    const labels = { method: i % 2 ? "PUT" : "GET", route: "/v1/x" };
    tally.observe(labels, v);
    h.observe(labels, v);
    plain.observe({}, v);
    p.observe(v);
    counter.inc({ kind: "service", status: String(200 + (i % 3)) });
    c.inc({ kind: "service", status: String(200 + (i % 3)) });
  }
  assert.equal(await mine.metrics(), await theirs.metrics());
  counter.inc({ kind: "service", status: "200" });
  c.inc({ kind: "service", status: "200" });
  assert.equal(await mine.metrics(), await theirs.metrics(), "counts add up across scrapes");
  mine.resetMetrics();
  theirs.resetMetrics();
  tally.observe({ method: "GET", route: "/v1/x" }, 0.5);
  h.observe({ method: "GET", route: "/v1/x" }, 0.5);
  p.observe(0.5);
  plain.observe({}, 0.5);
  assert.equal(await mine.metrics(), await theirs.metrics(), "after a reset");
});
