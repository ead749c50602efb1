// Audit command flags: the log source (flags win over env), output, points; HTTP
// query parameters; the progress line.
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseAuditOptions } from "../../../services/cli/audit-options.ts";
import { progressLine, terminalProgress } from "../../../services/cli/audit-progress.ts";
import { ProgressMeter } from "../../../services/audit/progress.ts";
import { pointParam, settingsParams } from "../../../services/audit/http.ts";
import { DEFAULT_GATEWAY_SETTINGS } from "../../../libs/nft/settings.ts";
import { HttpError } from "../../../libs/http/router.ts";

test("audit options - where the log is read from", () => {
  const source = (argv: string[], env: Record<string, string> = {}) => {
    const r = parseAuditOptions(argv, ["at"], env);
    assert.ok(r.ok, JSON.stringify(r));
    const s = r.options.source;
    return s.mode === "http" ? `http ${s.server}` : `nats ${s.nats.servers.join(",")}`;
  };
  assert.equal(source([]), "nats nats://127.0.0.1:4222");
  assert.equal(source(["--nats", "nats://a:1,nats://b:2"]), "nats nats://a:1,nats://b:2");
  assert.equal(source([], { NATS_URL: "nats://e:3" }), "nats nats://e:3");
  assert.equal(source([], { LBAAS_SERVER: "http://cp:8080" }), "http http://cp:8080");
  assert.equal(
    source([], { LBAAS_SERVER: "http://cp:8080", NATS_URL: "nats://e:3" }),
    "nats nats://e:3",
  );
  assert.equal(source(["--server", "http://x:1"], { NATS_URL: "nats://e:3" }), "http http://x:1");
  assert.equal(
    source(["--nats", "nats://n:4"], { LBAAS_SERVER: "http://cp:8080" }),
    "nats nats://n:4",
  );
});

test("audit options - errors name the flag", () => {
  const error = (argv: string[], env: Record<string, string> = {}) => {
    const r = parseAuditOptions(argv, ["at", "group"], env);
    assert.ok(!r.ok);
    return r.error;
  };
  assert.match(
    error(["--nats", "http://x"]),
    /^nats.servers\[0\]: "http:\/\/x" is not a nats:\/\/ url/,
  );
  assert.match(error(["--server", "ftp://x"]), /^--server: "ftp:\/\/x" is not an http\(s\) url/);
  assert.match(error(["-o", "xml"]), /^-o: "xml" is not an output format/);
  assert.match(error(["--from", "1"]), /unknown option '--from'/i);
  assert.match(error(["--nats-user", "u"]), /user and password go together/);
  assert.match(error(["--server", "http://a", "--nats", "nats://b"]), /choose one source/);
  const ok = parseAuditOptions(
    ["svc", "web", "-o", "json", "--at=5", "--group", "g1"],
    ["at", "group"],
    {},
  );
  assert.ok(ok.ok);
  assert.deepEqual(ok.options.positionals, ["svc", "web"]);
  assert.equal(ok.options.output, "json");
  assert.deepEqual(ok.options.values, { at: "5", group: "g1" });
});

test("http parameters - points and gateway settings", () => {
  const q = (s: string) => new URLSearchParams(s);
  assert.deepEqual(pointParam(q("at=seq:12"), "at"), { seq: 12 });
  assert.deepEqual(pointParam(q("at=2026-11-26T15:00:00Z"), "at"), {
    time: Date.UTC(2026, 10, 26, 15),
  });
  assert.throws(
    () => pointParam(q(""), "at"),
    (e) => e instanceof HttpError && e.status === 400 && /^at: is required/.test(e.message),
  );
  assert.throws(
    () => pointParam(q("from=x"), "from"),
    (e) => e instanceof HttpError && e.problems[0]?.path === "from",
  );
  assert.deepEqual(settingsParams(q("")), DEFAULT_GATEWAY_SETTINGS);
  assert.deepEqual(
    settingsParams(q("nat-table-name=lb&enable-snat=false&fwmark-bits=0x4&fwmark-mask=0xc")),
    {
      ...DEFAULT_GATEWAY_SETTINGS,
      natTableName: "lb",
      enableSnat: false,
      fwmarkBits: 4,
      fwmarkMask: 12,
    },
  );
  assert.throws(
    () => settingsParams(q("enable-snat=maybe")),
    (e) => e instanceof HttpError && e.problems[0]?.path === "enable-snat",
  );
});

test("progress line - rate and time left", () => {
  assert.equal(
    progressLine({
      phase: "verify",
      done: 250_000,
      total: 1_000_000,
      elapsedMs: 2_500,
      finished: false,
    }),
    "verify 250,000/1,000,000 events  100,000 ev/s  ~8 s left",
  );
  assert.equal(
    progressLine({ phase: "replay", done: 10, total: 0, elapsedMs: 0, finished: false }),
    "replay 10 events  0 ev/s",
  );
  assert.equal(
    progressLine({
      phase: "replay",
      done: 1_000,
      total: 200_000,
      elapsedMs: 1_000,
      finished: false,
    }),
    "replay 1,000/200,000 events  1,000 ev/s  ~3 min 19 s left",
  );
});

test("progress - drawn in place on a terminal, erased at the end", () => {
  const out: string[] = [];
  const meter = new ProgressMeter(
    "replay",
    4096,
    terminalProgress((t) => void out.push(t)),
    0,
  );
  for (let i = 0; i < 2048; i++) meter.tick();
  meter.finish();
  assert.equal(out.length, 3); // after 1,024 and 2,048 messages, then the end
  assert.match(out[0] ?? "", /^\r\x1b\[Kreplay 1,024\/4,096 events {2}[\d,]+ ev\/s/);
  assert.equal(out[2], "\r\x1b[K");
  const silent = new ProgressMeter("replay", 10, undefined);
  for (let i = 0; i < 5000; i++) silent.tick();
  silent.finish();
  assert.equal(silent.count, 5000);
});
