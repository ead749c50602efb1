// One long-lived TCP connection through a gateway, held open across a change, to
// show that draining an endpoint stops NEW connections only.
import { holdConnection, type HeldConnection } from "../tests/harness/traffic-client.ts";
import type { Lab } from "./labs.ts";

/**
 * Opens connections to `vip:port` from `from` until one lands on `backend`
 * (round-robin gets there within the weights' sum; at most `tries`), closes the
 * others and resolves with it. Rejects when no connection reached `backend`.
 */
export async function holdTo(
  lab: Lab,
  target: { readonly vip: string; readonly port: number; readonly from: string },
  backend: string,
  tries = 8,
): Promise<HeldConnection> {
  for (let i = 0; i < tries; i++) {
    const held = await holdConnection(lab.topology, {
      host: target.vip,
      port: target.port,
      localAddress: target.from,
    });
    if (held.first.backend === backend) return held;
    held.close();
  }
  throw new Error(`no connection to ${target.vip}:${target.port} reached ${backend} in ${tries}`);
}
