// Shared set-up of the control-plane integration tests: one real JetStream server per
// file, control planes started on random ports (several may share the server), an
// HTTP helper, and stream counters.
import { after, before } from "node:test";
import assert from "node:assert/strict";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { jetstreamManager, type JetStreamManager } from "@nats-io/jetstream";
import { startJetStream, type JetStreamServer } from "../../harness/nats.ts";
import { EVENTS_STREAM } from "../../../libs/bus/streams.ts";
import {
  createLogger,
  startControlPlane,
  type ControlPlane,
} from "../../../services/control-plane/server.ts";
import { validateSettings } from "../../../services/control-plane/settings.ts";

export interface CpFixture {
  server: JetStreamServer;
  nc: NatsConnection;
  jsm: JetStreamManager;
  /** Starts a control plane against the server; stopped in `after` unless stopped before. */
  start(extra?: Record<string, unknown>): Promise<ControlPlane>;
  /** Messages in LBAAS_EVENTS now. */
  eventCount(): Promise<number>;
}

export function useControlPlanes(): CpFixture {
  const live = new Set<ControlPlane>();
  const f = {} as CpFixture;
  before(async () => {
    f.server = await startJetStream();
    f.nc = await connect({ ...f.server.connectOptions, name: "cp-int-test" });
    f.jsm = await jetstreamManager(f.nc);
    f.start = async (extra = {}) => {
      const tree = {
        nats: {
          servers: [f.server.url],
          ...(f.server.connectOptions.user
            ? { user: f.server.connectOptions.user, password: f.server.connectOptions.pass }
            : {}),
        },
        listen: "127.0.0.1:0",
        ...extra,
      };
      const v = validateSettings(tree);
      assert.ok(v.ok, JSON.stringify(v));
      if (!v.ok) throw new Error("bad settings");
      const cp = await startControlPlane(
        v.value,
        createLogger(process.env["LBAAS_TEST_LOG"] ?? "silent"),
        { defaultMetrics: false },
      );
      const stop = cp.stop.bind(cp);
      const tracked: ControlPlane = {
        ...cp,
        url: cp.url,
        stop: async () => {
          live.delete(tracked);
          await stop();
        },
      };
      live.add(tracked);
      await cp.whenReady();
      return tracked;
    };
    f.eventCount = async () => (await f.jsm.streams.info(EVENTS_STREAM)).state.messages;
  });
  after(async () => {
    for (const cp of [...live]) await cp.stop();
    await f.nc?.close();
    await f.server?.stop();
  });
  return f;
}

export interface Answer {
  status: number;
  headers: Headers;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON answers under test
  body: any;
}

/** One HTTP request; a non-string body is sent as JSON. */
export async function call(
  base: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const res = await fetch(base + path, {
    method,
    headers: {
      ...(body !== undefined && typeof body !== "string"
        ? { "content-type": "application/json" }
        : {}),
      ...headers,
    },
    ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // text answers (metrics) stay text
  }
  return { status: res.status, headers: res.headers, body: parsed };
}

/** A small service body with documentation addresses. */
export function service(id: string, over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id,
    vips: ["203.0.113.10"],
    ports: [{ protocol: "tcp", port: 80, targetPort: 8080 }],
    ...over,
  };
}

/** Polls `check` every 20 ms until it returns true or `timeoutMs` passes (then fails). */
export async function eventually(
  check: () => Promise<boolean> | boolean,
  timeoutMs = 5_000,
  what = "condition",
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
