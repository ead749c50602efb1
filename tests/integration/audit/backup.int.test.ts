// The file backup of docs/operations.md ("stopping a node and copying its
// store_dir is a valid backup of that node"), done for real: a server holding a
// log is stopped, its store copied, and a new server started on the copy. The
// restored log is the same log: same head, same state at every checked point,
// `audit verify` passes, the stream still refuses deletes, and writing goes on
// where it stopped (the next version is accepted, a stale one refused).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { cpSync } from "node:fs";
import { join } from "node:path";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { appendEvent } from "../../../libs/bus/append.ts";
import { isConflict } from "../../../libs/bus/errors.ts";
import { ensureStreams, EVENTS_STREAM } from "../../../libs/bus/streams.ts";
import { verifyLog } from "../../../services/audit/log-queries.ts";
import { stateAt } from "../../../services/audit/point-queries.ts";
import { endpointsSpec, serviceSpec } from "../../fixtures/domain-events.ts";
import {
  makeTempDir,
  removeDir,
  spawnNatsServer,
  stopNatsProcess,
  type NatsProcess,
} from "../../harness/nats.ts";
import { LogWriter, type AuditFixture, type Written } from "./fixture.ts";

const dir = makeTempDir("lbaas-backup");
const servers: NatsProcess[] = [];
const conns: NatsConnection[] = [];

/** A nats-server with JetStream whose store is `<dir>/<name>`. */
async function serve(name: string): Promise<{ f: AuditFixture; server: NatsProcess }> {
  const server = await spawnNatsServer(
    ["-js", "-a", "127.0.0.1", "-p", "-1", "-sd", join(dir, name)],
    dir,
    `${name}.log`,
  );
  servers.push(server);
  const nc = await connect({ servers: [server.url], name: `backup-${name}` });
  conns.push(nc);
  const js = jetstream(nc);
  const jsm = await jetstreamManager(nc);
  const f = { nc, js, jsm, deps: { js, jsm }, natsFlags: [] } as unknown as AuditFixture;
  return { f, server };
}

let original: { f: AuditFixture; server: NatsProcess };
let written: Written[] = [];

before(async () => {
  original = await serve("original");
  await ensureStreams(original.f.jsm);
  const w = new LogWriter(original.f);
  const svc = (vips: string[]) =>
    serviceSpec("web", { vips, ports: [{ protocol: "tcp", port: 80, targetPort: 8080 }] });
  written = [
    await w.write("default", { type: "ServiceUpserted", spec: svc(["203.0.113.30"]) }),
    await w.write("default", { type: "EndpointsReplaced", spec: endpointsSpec("web") }),
    await w.write("default", {
      type: "ServiceUpserted",
      spec: svc(["203.0.113.30", "2001:db8::30"]),
    }),
    await w.write("default", {
      type: "EndpointsReplaced",
      spec: endpointsSpec("web", { endpoints: [{ address: "192.0.2.11", state: "draining" }] }),
    }),
  ];
});

after(async () => {
  for (const nc of conns) await nc.close().catch(() => undefined);
  for (const s of servers) await stopNatsProcess(s.child);
  removeDir(dir);
});

test("a copy of a stopped node's store is the same log: head, states, verify, rules", async () => {
  const points = written.map((w) => ({ seq: w.seq }));
  const before = await Promise.all(points.map((p) => stateAt(original.f.deps, p, null)));
  const verified = await verifyLog(original.f.deps);
  assert.equal(verified.ok, true, JSON.stringify(verified.findings));

  // The backup: stop gracefully (JetStream flushes), copy the store, restart elsewhere.
  await conns[0]?.close();
  await stopNatsProcess(original.server.child);
  cpSync(join(dir, "original"), join(dir, "restored"), { recursive: true });
  const restored = await serve("restored");

  const info = await restored.f.jsm.streams.info(EVENTS_STREAM);
  assert.equal(info.state.last_seq, written.at(-1)?.seq);
  assert.equal(info.config.deny_delete, true);
  assert.equal(info.config.deny_purge, true);
  const after = await Promise.all(points.map((p) => stateAt(restored.f.deps, p, null)));
  assert.deepEqual(after, before);
  const specs = (at: number) => JSON.stringify(after[at]);
  assert.match(specs(1), /"vips":\["203\.0\.113\.30"\]/);
  assert.match(specs(2), /"vips":\["203\.0\.113\.30","2001:db8::30"\]/);
  assert.match(specs(3), /"state":"draining"/);
  const again = await verifyLog(restored.f.deps);
  assert.equal(again.ok, true, JSON.stringify(again.findings));
  assert.equal(again.events, written.length);
  await assert.rejects(restored.f.jsm.streams.purge(EVENTS_STREAM), /purge/i);

  // Writing goes on from the restored head: the guards see the restored subject.
  const subject = "lbaas.evt.default.service.web";
  const last = written[2] as Written; // the service's last event
  const stale = appendEvent(restored.f.js, {
    subject,
    data: new Uint8Array([1]),
    msgId: "backup-stale",
    version: 2,
    expectedLastSubjectSeq: written[0]?.seq ?? 0,
    timeoutMs: 5_000,
  });
  await assert.rejects(stale, (err) => isConflict(err) && err.currentLastSeq === written[2]?.seq);
  const next = await appendEvent(restored.f.js, {
    subject,
    data: new Uint8Array([1]),
    msgId: "backup-next",
    version: 3,
    expectedLastSubjectSeq: last.seq,
    timeoutMs: 5_000,
  });
  assert.equal(next.seq, (written.at(-1)?.seq ?? 0) + 1);
});
