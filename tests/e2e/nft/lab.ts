// The end-to-end lab for the nft dataplane: a namespace topology with backend
// servers, inventories built in a few words, and rulesets rendered by libs/nft
// and applied inside the gateway namespace.
import type {
  Endpoint,
  EndpointsSpec,
  IngressRule,
  Inventory,
  PolicySpec,
  ServicePort,
  ServiceSpec,
} from "../../../libs/domain/model.ts";
import { renderFull, toScript } from "../../../libs/nft/render/index.ts";
import { NftRunner } from "../../../libs/nft/runner.ts";
import { DEFAULT_GATEWAY_SETTINGS, type GatewaySettings } from "../../../libs/nft/settings.ts";
import { Syncer } from "../../../libs/nft/syncer.ts";
import { startBackends } from "../../harness/backend-process.ts";
import { createTopology, type Topology, type TopologyOptions } from "../../harness/netns.ts";

/** Ports every lab backend serves. */
export const LAB_TCP_PORTS = [8080, 8081] as const;
export const LAB_UDP_PORTS = [8080] as const;

/** A topology whose backends already listen on the lab ports. */
export async function createLab(options: TopologyOptions = {}): Promise<Topology> {
  const topology = await createTopology(options);
  try {
    await startBackends(topology, { tcp: LAB_TCP_PORTS, udp: LAB_UDP_PORTS });
  } catch (err) {
    await topology.stop();
    throw err;
  }
  return topology;
}

/** A service in a few words; defaults: tcp 80 → 8080, round-robin, no ranges. */
export interface ServiceInput {
  readonly id: string;
  readonly vips: readonly string[];
  readonly ports?: readonly ServicePort[];
  readonly scheduler?: ServiceSpec["scheduler"];
  readonly sourceRanges?: readonly string[];
  readonly snat?: boolean | null;
  readonly sessionAffinity?: ServiceSpec["sessionAffinity"];
  readonly endpoints: readonly (Partial<Endpoint> & { readonly address: string })[];
}

/** Builds a valid, sorted inventory from short service and policy inputs. */
export function labInventory(
  services: readonly ServiceInput[],
  policies: readonly PolicySpec[] = [],
): Inventory {
  const specs: ServiceSpec[] = services.map((s) => ({
    id: s.id,
    group: "default",
    vips: s.vips,
    ports: s.ports ?? [{ protocol: "tcp", port: 80, targetPort: 8080 }],
    scheduler: s.scheduler ?? "round-robin",
    sourceRanges: s.sourceRanges ?? [],
    sessionAffinity: s.sessionAffinity ?? null,
    snat: s.snat ?? null,
  }));
  const endpoints: EndpointsSpec[] = services.map((s) => ({
    serviceId: s.id,
    group: "default",
    endpoints: s.endpoints
      .map((e) => ({
        address: e.address,
        port: e.port ?? null,
        weight: e.weight ?? 1,
        state: e.state ?? "ready",
      }))
      .sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0)),
  }));
  const byId =
    <T>(id: (t: T) => string) =>
    (a: T, b: T) =>
      id(a) < id(b) ? -1 : 1;
  return {
    services: specs.sort(byId((s) => s.id)),
    endpoints: endpoints.sort(byId((e) => e.serviceId)),
    policies: [...policies].sort(byId((p) => p.id)),
  };
}

/** A policy in a few words. */
export function labPolicy(
  id: string,
  targets: readonly string[],
  ingress: readonly IngressRule[],
): PolicySpec {
  return { id, group: "default", targets, ingress };
}

/**
 * Renders `inventory` with libs/nft (full sync) and applies it inside the
 * gateway namespace with libs/nft's runner. Rejects (RenderError, NftError)
 * when rendering or nft fails.
 */
export async function applyInventory(
  topology: Topology,
  inventory: Inventory,
  settings: Partial<GatewaySettings> = {},
): Promise<void> {
  const rendered = renderFull(inventory, { ...DEFAULT_GATEWAY_SETTINGS, ...settings });
  await new NftRunner({ netns: topology.names.gateway }).apply(toScript(rendered.tx));
}

/**
 * A libs/nft Syncer bound to the gateway namespace: its first sync is full,
 * later ones incremental (as on a real gateway).
 */
export function labSyncer(topology: Topology, settings: Partial<GatewaySettings> = {}): Syncer {
  return new Syncer({
    executor: new NftRunner({ netns: topology.names.gateway }),
    settings: { ...DEFAULT_GATEWAY_SETTINGS, ...settings },
  });
}
