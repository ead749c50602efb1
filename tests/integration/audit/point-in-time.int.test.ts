// Point-in-time state, ruleset and diff, checked against a known sequence of writes:
// for every prefix of the log (cut by sequence and by storage time), the replayed
// state equals the fold of the events written so far, and the ruleset equals the
// renderer's output for that state.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { foldEvents, inventoryOf } from "../../../libs/domain/state.ts";
import { renderFull, toScript } from "../../../libs/nft/render/index.ts";
import { rulesetHash } from "../../../libs/nft/hash.ts";
import { DEFAULT_GATEWAY_SETTINGS, validateGatewaySettings } from "../../../libs/nft/settings.ts";
import { parse as parseYaml } from "yaml";
import { diffPoints, renderAt, stateAt } from "../../../services/audit/point-queries.ts";
import { runDiff, runState } from "../../../services/cli/audit-commands.ts";
import { runRender } from "../../../services/cli/render.ts";
import { endpointsSpec, policySpec, serviceSpec } from "../../fixtures/domain-events.ts";
import { capture, LogWriter, NO_ENV, uniqueGroup, useAuditLog, type Written } from "./fixture.ts";

const f = useAuditLog();
const GATEWAY_YAML = new URL("../../fixtures/nft/gateway.yaml", import.meta.url).pathname;

/** A story of 8 writes in group `g`: create, change, drain, add a policy, delete, re-create. */
async function story(g: string): Promise<Written[]> {
  const w = new LogWriter(f);
  const web = `web-${g}`;
  const api = `api-${g}`;
  const out: Written[] = [];
  const svc = (id: string, vips: string[], port = 80) =>
    serviceSpec(id, { group: g, vips, ports: [{ protocol: "tcp", port, targetPort: 8080 }] });
  out.push(await w.write(g, { type: "ServiceUpserted", spec: svc(web, ["203.0.113.20"]) }));
  out.push(await w.write(g, { type: "EndpointsReplaced", spec: endpointsSpec(web, { group: g }) }));
  out.push(await w.write(g, { type: "ServiceUpserted", spec: svc(api, ["203.0.113.21"], 443) }));
  out.push(
    await w.write(g, { type: "ServiceUpserted", spec: svc(web, ["203.0.113.20", "2001:db8::20"]) }),
  );
  const eps = endpointsSpec(web, { group: g });
  const drained = {
    ...eps,
    endpoints: eps.endpoints.map((e) => ({ ...e, state: "draining" as const })),
  };
  out.push(await w.write(g, { type: "EndpointsReplaced", spec: drained }));
  out.push(
    await w.write(g, { type: "PolicyUpserted", spec: policySpec(`pol-${g}`, { group: g }) }),
  );
  out.push(await w.write(g, { type: "ServiceDeleted" }, {}, api));
  out.push(await w.write(g, { type: "ServiceUpserted", spec: svc(api, ["203.0.113.22"], 8443) }));
  return out;
}

function expectedAt(written: readonly Written[], k: number, g: string) {
  const state = foldEvents(written.slice(0, k).map((x) => ({ seq: x.seq, event: x.event })));
  return { state, inventory: inventoryOf(state, g) };
}

test("state at every sequence and every storage time equals the fold of the writes so far", async () => {
  const g = uniqueGroup("pit");
  const written = await story(g);
  for (let k = 0; k <= written.length; k++) {
    const { state, inventory } = expectedAt(written, k, g);
    const seq = k === 0 ? (written[0]?.seq ?? 1) - 1 : (written[k - 1] as Written).seq;
    const points =
      k === 0 ? [{ seq }] : [{ seq }, { time: (written[k - 1] as Written).time.getTime() }];
    for (const point of points) {
      const r = await stateAt(f.deps, point, g);
      const what = `k=${k} ${JSON.stringify(point)}`;
      assert.deepEqual(
        r.services.map((a) => a.spec),
        inventory.services,
        what,
      );
      assert.deepEqual(
        r.policies.map((a) => a.spec),
        inventory.policies,
        what,
      );
      assert.deepEqual(
        r.endpoints.map((a) => a.spec),
        [...state.endpoints.values()].filter((x) => x.spec !== null).map((x) => x.spec),
        what,
      );
      assert.deepEqual(
        r.services.map((a) => [a.id, a.version, a.seq]),
        [...state.services.values()]
          .filter((x) => x.spec !== null)
          .sort((a, b) => (a.id < b.id ? -1 : 1))
          .map((x) => [x.id, x.version, x.seq]),
        what,
      );
      assert.equal(r.at.lastSeq, k === 0 ? 0 : seq, what);
      assert.deepEqual(r.anomalies, [], what);
      assert.deepEqual(r.skipped, [], what);
    }
  }
});

test("render at a point is the renderer's script for the state then, with its hash", async () => {
  const g = uniqueGroup("rat");
  const written = await story(g);
  const settings = validateGatewaySettings(
    (parseYaml(readFileSync(GATEWAY_YAML, "utf8")) as { nftables?: unknown }).nftables ??
      parseYaml(readFileSync(GATEWAY_YAML, "utf8")),
  );
  assert.ok(settings.ok);
  for (const k of [2, 5, 8]) {
    const { inventory } = expectedAt(written, k, g);
    const rendered = renderFull(inventory, settings.value);
    const r = await renderAt(f.deps, { seq: (written[k - 1] as Written).seq }, g, settings.value);
    assert.equal(r.script, toScript(rendered.tx), `k=${k}`);
    assert.equal(r.hash, rulesetHash(rendered.ruleset), `k=${k}`);
  }
  // Through the CLI: the same script, headed by comments; -f still works beside it.
  const k = 5;
  const c = capture();
  const seq = String((written[k - 1] as Written).seq);
  const code = await runRender(
    ["--at", seq, "--group", g, "--gateway-config", GATEWAY_YAML, ...f.natsFlags],
    c.io,
  );
  assert.equal(code, 0, c.err());
  const expected = toScript(renderFull(expectedAt(written, k, g).inventory, settings.value).tx);
  assert.ok(c.out().endsWith(expected));
  assert.match(
    c.out(),
    new RegExp(`^# lbaas render --at seq:${seq}: last event seq ${seq} stored \\S+Z; `),
  );
  const both = capture();
  assert.equal(await runRender(["--at", seq, "-f", GATEWAY_YAML], both.io), 2);
  assert.match(both.err(), /-f and --at: choose one/);
});

test("diff between two points: objects with field changes, and ruleset lines", async () => {
  const g = uniqueGroup("dif");
  const written = await story(g);
  const at = (k: number) => ({ seq: (written[k - 1] as Written).seq });
  const d = await diffPoints(f.deps, at(2), at(8), g, DEFAULT_GATEWAY_SETTINGS);
  assert.deepEqual(
    d.objects.map((o) => [o.kind, o.id, o.change, o.fromVersion, o.toVersion]),
    [
      ["service", `api-${g}`, "created", 0, 3],
      ["service", `web-${g}`, "updated", 1, 2],
      ["endpoints", `web-${g}`, "updated", 1, 2],
      ["policy", `pol-${g}`, "created", 0, 1],
    ],
  );
  assert.deepEqual(d.objects[1]?.changes, [{ op: "added", path: "vips", value: "2001:db8::20" }]);
  assert.equal(d.objects[2]?.changes.length, 2); // two endpoints became draining (the third already was)
  assert.notEqual(d.ruleset.fromHash, d.ruleset.toHash);
  assert.ok(d.ruleset.added > 0 && d.ruleset.removed > 0);
  assert.match(
    d.ruleset.unified,
    /^--- ruleset at seq \d+ \(sha256:[0-9a-f]+\)\n\+\+\+ ruleset at seq \d+ /,
  );
  assert.match(d.ruleset.unified, /\n\+add element inet lbaas \S+ \{ 2001:db8::20 \. tcp \. 80 /);
  // Time points and mixed points give the same answer; reversed points, the reverse.
  const byTime = await diffPoints(
    f.deps,
    { time: (written[1] as Written).time.getTime() },
    at(8),
    g,
    DEFAULT_GATEWAY_SETTINGS,
  );
  assert.deepEqual(byTime.objects, d.objects);
  const reverse = await diffPoints(f.deps, at(8), at(2), g, DEFAULT_GATEWAY_SETTINGS);
  assert.deepEqual(
    reverse.objects.map((o) => o.change),
    ["deleted", "updated", "updated", "deleted"],
  );
  assert.equal(reverse.ruleset.added, d.ruleset.removed);
  // Same point: nothing.
  const same = await diffPoints(f.deps, at(4), at(4), g, DEFAULT_GATEWAY_SETTINGS);
  assert.deepEqual(same.objects, []);
  assert.equal(same.ruleset.unified, "");

  const c = capture();
  const code = await runDiff(
    ["--from", String(at(2).seq), "--to", `seq:${at(8).seq}`, "--group", g, ...f.natsFlags],
    c.io,
    NO_ENV,
  );
  assert.equal(code, 0, c.err());
  assert.match(c.out(), /2 created, 2 updated, 0 deleted/);
  assert.match(
    c.out(),
    new RegExp(`~ service "web-${g}" \\(v1 → v2, group ${g}\\)\\n {4}vips: \\+ "2001:db8::20"`),
  );
  assert.match(c.out(), /\n@@ -\d+,\d+ \+\d+,\d+ @@\n/);
});

test("state --at through the CLI: tables, json, and bad points exit 2 naming the flag", async () => {
  const g = uniqueGroup("cli");
  const written = await story(g);
  const seq = String((written[3] as Written).seq);
  const c = capture();
  assert.equal(
    await runState(["--at", seq, "--group", g, ...f.natsFlags], c.io, NO_ENV),
    0,
    c.err(),
  );
  assert.match(
    c.out(),
    new RegExp(
      `^state at seq:${seq}: last event seq ${seq} stored \\S+Z; \\d+ event\\(s\\) read; group ${g}\\n`,
    ),
  );
  assert.match(
    c.out(),
    new RegExp(
      `\\nweb-${g} +${g} +2 +\\d+ +203.0.113.20, 2001:db8::20 +tcp/80→8080 +round-robin\\n`,
    ),
  );
  const j = capture();
  assert.equal(
    await runState(["--at", seq, "--group", g, "-o", "json", ...f.natsFlags], j.io, NO_ENV),
    0,
  );
  const parsed = JSON.parse(j.out()) as { services: unknown[]; at: { lastSeq: number } };
  assert.equal(parsed.services.length, 2);
  assert.equal(parsed.at.lastSeq, Number(seq));
  for (const [argv, message] of [
    [["--at", "yesterday"], /--at: "yesterday" is not a time \(rfc 3339/],
    [["--at", "2026-11-26"], /add a time of day and a zone/],
    [[], /--at is required/],
    [["--at", "5", "--group", "Not A Label"], /group: "Not A Label" is not a dns label/],
    [["--at", "5", "-o", "yaml"], /-o: "yaml" is not an output format/],
  ] as const) {
    const e = capture();
    assert.equal(await runState([...argv, ...f.natsFlags], e.io, NO_ENV), 2, argv.join(" "));
    assert.match(e.err(), message);
  }
});
