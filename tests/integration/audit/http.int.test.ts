// The audit queries over HTTP (services/audit/http.ts on libs/http's router), and
// the CLI's `--server` mode: the same answers as reading JetStream directly.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Router } from "../../../libs/http/router.ts";
import { registerAuditRoutes } from "../../../services/audit/http.ts";
import { jetStreamAuditQueries, type AuditQueries } from "../../../services/audit/queries.ts";
import {
  runDiff,
  runHistory,
  runState,
  runAuditCommand,
  runStatus,
} from "../../../services/cli/audit-commands.ts";
import { runRenderAt } from "../../../services/cli/render-at.ts";
import { endpointsSpec, serviceSpec } from "../../fixtures/domain-events.ts";
import { capture, LogWriter, NO_ENV, uniqueGroup, useAuditLog } from "./fixture.ts";

const f = useAuditLog();
let server: Server;
let base = "";

async function listen(router: Router): Promise<{ server: Server; base: string }> {
  const s = createServer(router.listener);
  await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
  return { server: s, base: `http://127.0.0.1:${(s.address() as AddressInfo).port}` };
}

before(async () => {
  // Top-level before hooks are not ordered: read the fixture's connection lazily.
  const deps = {
    get js() {
      return f.js;
    },
    get jsm() {
      return f.jsm;
    },
  };
  const router = new Router({ maxBodyBytes: 1 << 20 });
  ({ server, base } = await listen(registerAuditRoutes(router, deps, { maxConcurrent: 2 })));
});
after(() => new Promise<void>((resolve) => server.close(() => resolve())));

test("every audit command answers the same over --server as over --nats", async () => {
  const w = new LogWriter(f);
  const g = uniqueGroup("http");
  await w.write(
    g,
    {
      type: "ServiceUpserted",
      spec: serviceSpec(`s-${g}`, { group: g, vips: ["203.0.113.60", "2001:db8::60"] }),
    },
    { reason: "r1" },
  );
  await w.write(g, { type: "EndpointsReplaced", spec: endpointsSpec(`s-${g}`, { group: g }) });
  const head = (
    await w.write(g, {
      type: "ServiceUpserted",
      spec: serviceSpec(`s-${g}`, { group: g, vips: ["203.0.113.61", "2001:db8::61"] }),
    })
  ).seq;
  const now = new Date(Date.now() + 60_000).toISOString();
  const commands: Array<
    [
      string,
      (
        argv: readonly string[],
        io: ReturnType<typeof capture>["io"],
        e: typeof NO_ENV,
      ) => Promise<number>,
      string[],
    ]
  > = [
    ["history", runHistory, ["service", `s-${g}`]],
    ["state", runState, ["--at", String(head), "--group", g]],
    ["render", runRenderAt, ["--at", String(head), "--group", g]],
    ["diff", runDiff, ["--from", "1", "--to", now, "--group", g]],
    ["verify", (a, io, e) => runAuditCommand(["verify", ...a], io, e), []],
    ["status", runStatus, ["--at", now]],
  ];
  for (const [name, run, argv] of commands) {
    const direct = capture();
    const viaHttp = capture();
    const a = await run([...argv, "-o", "json", ...f.natsFlags], direct.io, NO_ENV);
    const b = await run([...argv, "-o", "json", "--server", base], viaHttp.io, NO_ENV);
    assert.equal(a, 0, `${name}: ${direct.err()} ${direct.out()}`);
    assert.equal(b, 0, `${name}: ${viaHttp.err()}`);
    assert.deepEqual(JSON.parse(viaHttp.out()), JSON.parse(direct.out()), name);
  }
  // LBAAS_SERVER selects the API when no flag and no NATS_URL say otherwise.
  const env = capture();
  assert.equal(
    await runHistory(["service", `s-${g}`], env.io, {
      env: { LBAAS_SERVER: base },
      stderrIsTty: false,
    }),
    0,
    env.err(),
  );
  const both = capture();
  assert.equal(
    await runHistory(["service", "x", "--server", base, ...f.natsFlags], both.io, NO_ENV),
    2,
  );
  assert.match(both.err(), /--server and --nats: choose one/);
});

test("http refusals: 400 naming the parameter, 404 for unknown aggregates", async () => {
  const cases: Array<[string, number, string, RegExp]> = [
    ["/v1/audit/state", 400, "invalid_argument", /^at: is required/],
    ["/v1/audit/state?at=yesterday", 400, "invalid_argument", /^at: "yesterday" is not a time/],
    [
      "/v1/audit/state?at=5&group=Bad_Group",
      400,
      "invalid_argument",
      /^group: "Bad_Group" is not a dns label/,
    ],
    [
      "/v1/audit/render?at=5&fwmark-bits=0",
      400,
      "invalid_argument",
      /gateway settings are invalid/,
    ],
    ["/v1/audit/diff?from=1", 400, "invalid_argument", /^to: is required/],
    ["/v1/audit/status?at=12", 400, "invalid_argument", /is a sequence/],
    ["/v1/audit/history/service/nothing-here", 404, "not_found", /has no event in the log/],
    ["/v1/audit/history/nope/x", 400, "invalid_argument", /kind: "nope" is not an aggregate kind/],
  ];
  for (const [path, status, code, message] of cases) {
    const res = await fetch(base + path);
    const body = (await res.json()) as { error: { code: string; message: string } };
    assert.equal(res.status, status, path);
    assert.equal(body.error.code, code, path);
    assert.match(body.error.message, message, path);
  }
  const c = capture();
  assert.equal(
    await runState(
      ["--at", "5", "--group", "x", "--server", base.replace(/:\d+$/, ":1")],
      c.io,
      NO_ENV,
    ),
    1,
  );
  assert.match(c.err(), /cannot reach http:\/\/127.0.0.1:1/);
});

test("more concurrent replays than allowed get 503 busy with retry-after", async () => {
  let release = (): void => {};
  const gate = new Promise<void>((resolve) => (release = resolve));
  const real = jetStreamAuditQueries(f.deps);
  const slow: AuditQueries = { ...real, verify: async () => (await gate, real.verify()) };
  const { server: s, base: b } = await listen(
    registerAuditRoutes(
      new Router({ maxBodyBytes: 1024 }),
      f.deps,
      { maxConcurrent: 1, retryAfterSeconds: 7 },
      slow,
    ),
  );
  try {
    const first = fetch(`${b}/v1/audit/verify`);
    await new Promise((r) => setTimeout(r, 50));
    const second = await fetch(`${b}/v1/audit/verify`);
    assert.equal(second.status, 503);
    assert.equal(second.headers.get("retry-after"), "7");
    assert.equal(((await second.json()) as { error: { code: string } }).error.code, "busy");
    release();
    assert.equal((await first).status, 200);
    assert.equal((await fetch(`${b}/v1/audit/verify`)).status, 200);
  } finally {
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }
});
