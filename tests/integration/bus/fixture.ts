// Shared set-up of the bus integration tests: one real JetStream server per
// test file, a connection, and small helpers.
import { after, before } from "node:test";
import { connect } from "@nats-io/transport-node";
import type { NatsConnection } from "@nats-io/transport-node";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import type { JetStreamClient, JetStreamManager } from "@nats-io/jetstream";
import { startJetStream } from "../../harness/nats.ts";
import type { JetStreamServer } from "../../harness/nats.ts";

export interface BusFixture {
  server: JetStreamServer;
  nc: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
}

/**
 * Registers `before`/`after` hooks that start a server, connect to it and run
 * `setup`, and stop both (also when a test failed). Read the fields inside
 * tests only. (One hook: separate top-level `before` hooks are not ordered.)
 */
export function useJetStream(setup?: (f: BusFixture) => Promise<unknown>): BusFixture {
  const fixture = {} as BusFixture;
  before(async () => {
    fixture.server = await startJetStream();
    fixture.nc = await connect({ ...fixture.server.connectOptions, name: "bus-int-test" });
    fixture.js = jetstream(fixture.nc);
    fixture.jsm = await jetstreamManager(fixture.nc);
    await setup?.(fixture);
  });
  after(async () => {
    await fixture.nc?.close();
    await fixture.server?.stop();
  });
  return fixture;
}

/** Every element of an async iterable, in order. */
export async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of iterable) out.push(x);
  return out;
}

export const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
export const text = (data: Uint8Array): string => new TextDecoder().decode(data);

let counter = 0;
/** A subject group unique within this process, so tests never see each other's events. */
export function uniqueGroup(prefix: string): string {
  counter += 1;
  return `${prefix}${counter}x${process.pid}`;
}
