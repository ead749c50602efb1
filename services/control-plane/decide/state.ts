// The state a decider reads: the current record of every aggregate (spec or
// tombstone, version, stream sequence) and the claim index. The view implements it
// over the fold of the stream plus this process's own acknowledged writes; tests
// build one from a fold with `decisionStateOf`.
import type { EndpointsSpec, PolicySpec, ServiceSpec } from "../../../libs/domain/model.ts";
import type { AggregateRecord, FoldState } from "../../../libs/domain/state.ts";
import type { IpCidr } from "../../../libs/domain/ip.ts";
import { ClaimIndex, type ClaimView } from "./claims.ts";
import type { VipPools } from "./vip-pool.ts";

/** Read-only state for deciders. Records include tombstones (spec null). */
export interface DecisionState {
  service(id: string): AggregateRecord<ServiceSpec> | undefined;
  endpoints(serviceId: string): AggregateRecord<EndpointsSpec> | undefined;
  policy(id: string): AggregateRecord<PolicySpec> | undefined;
  /** Every service record (live or tombstone), in no particular order. */
  services(): Iterable<AggregateRecord<ServiceSpec>>;
  /** Every policy record (live or tombstone), in no particular order. */
  policies(): Iterable<AggregateRecord<PolicySpec>>;
  readonly claims: ClaimView;
}

/** Settings the deciders need. */
export interface DecideConfig {
  readonly pools: VipPools;
  /** Most endpoints one service may have (<= MAX_ENDPOINTS of libs/domain/limits.ts). */
  readonly maxEndpointsPerService: number;
}

/** Text of a group's pools for messages, e.g. `203.0.113.0/28, 2001:db8:f::/120`. */
export function poolsText(pools: VipPools, group: string): string {
  return (pools.get(group) ?? []).map((p: IpCidr) => p.text).join(", ");
}

/**
 * A DecisionState over a fold (a snapshot: later changes of `fold` are not indexed).
 * Claims are built from the live services and endpoints. Empty fold → empty state.
 */
export function decisionStateOf(fold: FoldState): DecisionState {
  const claims = new ClaimIndex();
  for (const r of fold.services.values()) if (r.spec !== null) claims.addService(r.spec);
  for (const r of fold.endpoints.values()) if (r.spec !== null) claims.addEndpoints(r.spec);
  return {
    service: (id) => fold.services.get(id),
    endpoints: (id) => fold.endpoints.get(id),
    policy: (id) => fold.policies.get(id),
    services: () => fold.services.values(),
    policies: () => fold.policies.values(),
    claims,
  };
}
