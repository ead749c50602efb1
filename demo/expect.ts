// What the demo's traffic must show, before and after the change. The weighted
// round-robin of libs/nft is exact (rule i takes exactly w_i of every W new
// flows), so counts over a multiple of the weights' sum are exact too.
import { countAnswers, type ProbeResult } from "./traffic.ts";

/** Expected answers per backend ("-" = no answer) for `service from`. */
export type Expectation = Readonly<Record<string, Readonly<Record<string, number>>>>;

/** demo/inventory.yaml: web b1:b2:b3 = 1:2:1; dns b4:b5 = 1:1 for the whole client network. */
export const BEFORE: Expectation = {
  "web 198.51.100.10": { b1: 2, b2: 4, b3: 2 },
  "web 2001:db8:c::10": { b1: 2, b2: 4, b3: 2 },
  "dns 198.51.100.10": { b4: 2, b5: 2 },
  "dns 198.51.100.200": { b4: 2, b5: 2 },
};

/** demo/inventory-changed.yaml: b2 draining; dns only for 198.51.100.0/25. */
export const AFTER: Expectation = {
  "web 198.51.100.10": { b1: 4, b3: 4 },
  "web 2001:db8:c::10": { b1: 4, b3: 4 },
  "dns 198.51.100.10": { b4: 2, b5: 2 },
  "dns 198.51.100.200": { "-": 4 },
};

/** One checked row: what was expected, what was seen, and whether they match. */
export interface Verdict {
  readonly ok: boolean;
  readonly text: string;
}

/**
 * Compares each result with its expectation (same counts per backend, order
 * ignored). A result without an expectation fails; no results give no verdicts.
 */
export function judge(results: readonly ProbeResult[], expected: Expectation): Verdict[] {
  return results.map((r) => {
    const key = `${r.probe.service} ${r.probe.from}`;
    const want = expected[key];
    const wanted = want === undefined ? "(nothing expected)" : countAnswers(expand(want));
    const seen = countAnswers(r.answers);
    return {
      ok: want !== undefined && wanted === seen,
      text: `${r.gatewayId} ${key}: ${seen}${wanted === seen ? "" : ` (expected ${wanted})`}`,
    };
  });
}

function expand(counts: Readonly<Record<string, number>>): string[] {
  return Object.entries(counts).flatMap(([name, n]) => Array.from({ length: n }, () => name));
}
