// Who holds what, across all live services: the indexes behind the cross-object
// rules (a VIP:protocol:port belongs to one service; an endpoint is never a VIP;
// an auto-allocated VIP is never handed out twice). Pure and incremental: the view
// calls `addService`/`removeService` etc. whenever an aggregate's effective spec
// changes, so a rule check costs O(vips × ports), not O(services).
import type { EndpointsSpec, ServiceSpec } from "../../../libs/domain/model.ts";
import { portKey } from "../../../libs/domain/validate-service.ts";

/** `203.0.113.10 tcp/80`: the key of one VIP:protocol:port claim. */
export function claimKey(vip: string, protocol: string, port: number): string {
  return `${vip} ${portKey(protocol as "tcp", port)}`;
}

/** Read side of the claim index, used by the deciders. */
export interface ClaimView {
  /**
   * Ids of the live services serving `vip proto/port` (normally at most one; more
   * only while a tentative write and a foreign one overlap, or in a state written
   * before these rules).
   */
  ownersOf(key: string): ReadonlySet<string>;
  /** Ids of the live services having `address` as a VIP (empty set when none). */
  servicesWithVip(address: string): ReadonlySet<string>;
  /** Ids of the services having `address` as an endpoint (empty set when none). */
  servicesWithEndpoint(address: string): ReadonlySet<string>;
  /** True when `address` is a VIP of some live service (in any group). */
  isVip(address: string): boolean;
}

const NONE: ReadonlySet<string> = new Set();

function addTo(index: Map<string, Set<string>>, key: string, id: string): void {
  let set = index.get(key);
  if (set === undefined) index.set(key, (set = new Set()));
  set.add(id);
}

function removeFrom(index: Map<string, Set<string>>, key: string, id: string): void {
  const set = index.get(key);
  if (set === undefined) return;
  set.delete(id);
  if (set.size === 0) index.delete(key);
}

/**
 * The mutable claim index. It counts every holder of a claim, so adding and removing
 * specs in any order (the view's tentative writes and rollbacks interleave with the
 * follower) always leaves exactly the claims of the specs added and not removed.
 */
export class ClaimIndex implements ClaimView {
  private readonly owners = new Map<string, Set<string>>();
  private readonly vips = new Map<string, Set<string>>();
  private readonly endpoints = new Map<string, Set<string>>();

  /** Records the claims of a live service spec. */
  addService(spec: ServiceSpec): void {
    for (const vip of spec.vips) {
      addTo(this.vips, vip, spec.id);
      for (const p of spec.ports) addTo(this.owners, claimKey(vip, p.protocol, p.port), spec.id);
    }
  }

  /** Forgets the claims of a service spec previously added. */
  removeService(spec: ServiceSpec): void {
    for (const vip of spec.vips) {
      removeFrom(this.vips, vip, spec.id);
      for (const p of spec.ports)
        removeFrom(this.owners, claimKey(vip, p.protocol, p.port), spec.id);
    }
  }

  /** Records the endpoint addresses of a live endpoints spec. */
  addEndpoints(spec: EndpointsSpec): void {
    for (const e of spec.endpoints) addTo(this.endpoints, e.address, spec.serviceId);
  }

  /** Forgets the endpoint addresses of an endpoints spec previously added. */
  removeEndpoints(spec: EndpointsSpec): void {
    for (const e of spec.endpoints) removeFrom(this.endpoints, e.address, spec.serviceId);
  }

  ownersOf(key: string): ReadonlySet<string> {
    return this.owners.get(key) ?? NONE;
  }

  servicesWithVip(address: string): ReadonlySet<string> {
    return this.vips.get(address) ?? NONE;
  }

  servicesWithEndpoint(address: string): ReadonlySet<string> {
    return this.endpoints.get(address) ?? NONE;
  }

  isVip(address: string): boolean {
    return this.vips.has(address);
  }
}
