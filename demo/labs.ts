// The demo's network: two labs, each a gateway host with its own clients and
// backends, all in network namespaces (tests/harness/netns.ts), so nothing
// touches the host's own network or nftables ruleset.
//
//   lab a:  client ──▶ gateway gw-a ──▶ b1 … b5      (namespaces lbt-<id>-client, -gw, -b1 …)
//   lab b:  client ──▶ gateway gw-b ──▶ b1 … b5
//
// Both labs use the same addresses inside their own namespaces, and both gateways
// belong to the group `default`: they apply the same services, as two gateway
// hosts of one fleet would.
import { startBackends } from "../tests/harness/backend-process.ts";
import { createTopology, type Topology } from "../tests/harness/netns.ts";

/** Ports every backend server answers on (the inventory's target ports). */
export const BACKEND_PORTS = { tcp: [8080], udp: [5353] } as const;

/** Client addresses: .10 stays inside the tightened policy, .200 falls out of it. */
export const CLIENT_INSIDE = "198.51.100.10";
export const CLIENT_OUTSIDE = "198.51.100.200";
export const CLIENT_V6 = "2001:db8:c::10";

/** One lab: its gateway's id and its namespaces. */
export interface Lab {
  readonly gatewayId: string;
  readonly topology: Topology;
}

/**
 * Creates one lab per gateway id (5 backends each, backend servers listening)
 * and resolves with them. On failure it removes what it made and rejects.
 */
export async function createLabs(gatewayIds: readonly string[]): Promise<Lab[]> {
  const labs: Lab[] = [];
  try {
    for (const gatewayId of gatewayIds) {
      const topology = await createTopology({
        backends: 5,
        clientV4: [CLIENT_INSIDE, CLIENT_OUTSIDE],
        clientV6: [CLIENT_V6],
      });
      labs.push({ gatewayId, topology });
      await startBackends(topology, BACKEND_PORTS);
    }
  } catch (err) {
    await removeLabs(labs);
    throw err;
  }
  return labs;
}

/** Deletes every namespace of `labs` (and what runs inside them); idempotent. */
export async function removeLabs(labs: readonly Lab[]): Promise<void> {
  for (const lab of labs) await lab.topology.stop();
}
