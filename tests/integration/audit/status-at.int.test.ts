// `lbaas status --at TIME`: which ruleset hash each gateway had applied at a time,
// from reports and heartbeats with known storage times on a real LBAAS_STATUS.
import { test } from "node:test";
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { headers as natsHeaders } from "@nats-io/transport-node";
import { STATUS_STREAM } from "../../../libs/bus/streams.ts";
import { encodeHeartbeat, encodeReport, statusSubjectOf } from "../../../libs/events/codec.ts";
import { statusAtTime } from "../../../services/audit/log-queries.ts";
import { runStatus } from "../../../services/cli/audit-commands.ts";
import { sampleHeartbeat, sampleReport } from "../../fixtures/status.ts";
import { capture, NO_ENV, uniqueGroup, useAuditLog } from "./fixture.ts";

const f = useAuditLog();

const hash = (n: number): string => `sha256:${String(n).repeat(64).slice(0, 64)}`;

/** Publishes one status message; returns the time the server stored it (ms). */
async function publish(
  group: string,
  gw: string,
  type: "report" | "heartbeat",
  data: Uint8Array,
): Promise<number> {
  const h = natsHeaders();
  h.set("Lbaas-Status-Type", type);
  const ack = await f.js.publish(statusSubjectOf(group, gw), data, { headers: h });
  const stored = await f.jsm.streams.getMessage(STATUS_STREAM, { seq: ack.seq });
  await sleep(3);
  return stored?.time.getTime() ?? NaN;
}

test("status at a time picks each gateway's last report or heartbeat at or before it", async () => {
  const g = uniqueGroup("st");
  const report = (gw: string, seq: number, h: number, ok = true) =>
    encodeReport(
      sampleReport({
        gatewayId: gw,
        group: g,
        streamSequence: seq,
        rulesetHash: hash(h),
        result: ok
          ? { ok: true }
          : { ok: false, error: { code: "nft_failed", message: "syntax error\nat line 3" } },
      }),
    );
  const t1 = await publish(g, "gw-a", "report", report("gw-a", 10, 1));
  const t2 = await publish(
    g,
    "gw-a",
    "heartbeat",
    encodeHeartbeat(
      sampleHeartbeat({ gatewayId: "gw-a", group: g, appliedSequence: 10, rulesetHash: hash(1) }),
    ),
  );
  const t3 = await publish(g, "gw-b", "report", report("gw-b", 12, 2));
  const t4 = await publish(g, "gw-a", "report", report("gw-a", 15, 3));
  // A failed apply: the gateway keeps the ruleset of seq 15 (hash 3) and says so.
  const t5 = await publish(g, "gw-a", "report", report("gw-a", 20, 3, false));
  const t6 = await publish(g, "gw-b", "report", report("gw-b", 20, 4));

  const cases: Array<[number, Record<string, [boolean, string, number, string | null]>]> = [
    [t1 - 1, { "gw-a": [false, "", 0, null], "gw-b": [false, "", 0, null] }],
    [t1, { "gw-a": [true, hash(1), 10, null], "gw-b": [false, "", 0, null] }],
    [t2, { "gw-a": [true, hash(1), 10, null], "gw-b": [false, "", 0, null] }],
    [t3, { "gw-a": [true, hash(1), 10, null], "gw-b": [true, hash(2), 12, null] }],
    [t4, { "gw-a": [true, hash(3), 15, null], "gw-b": [true, hash(2), 12, null] }],
    [t5, { "gw-a": [true, hash(3), 15, "nft_failed"], "gw-b": [true, hash(2), 12, null] }],
    [t6 + 1000, { "gw-a": [true, hash(3), 15, "nft_failed"], "gw-b": [true, hash(4), 20, null] }],
  ];
  for (const [at, want] of cases) {
    const s = await statusAtTime(f.deps, at);
    const mine = s.gateways.filter((x) => x.group === g);
    const got = Object.fromEntries(
      mine.map((x) => [
        x.gatewayId,
        [x.known, x.rulesetHash, x.appliedSequence, x.lastError?.code ?? null],
      ]),
    );
    assert.deepEqual(got, want, `at ${new Date(at).toISOString()}`);
  }
  const early = await statusAtTime(f.deps, t1 - 1);
  assert.equal(
    early.gateways.find((x) => x.gatewayId === "gw-b")?.firstKeptAt,
    new Date(t3).toISOString(),
  );

  const c = capture();
  assert.equal(
    await runStatus(["--at", new Date(t4).toISOString(), ...f.natsFlags], c.io, NO_ENV),
    0,
    c.err(),
  );
  assert.match(c.out(), new RegExp(`\\ngw-a +${g} +${hash(3)} +15 +report \\S+Z +-\\n`));
  const e = capture();
  assert.equal(await runStatus(["--at", "42", ...f.natsFlags], e.io, NO_ENV), 2);
  assert.match(e.err(), /--at: "42" is a sequence; status --at takes a time/);
});
