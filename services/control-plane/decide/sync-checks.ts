// The sync's checks against the current state (the document's own consistency is
// validateInventory's): group changes, VIP:port claims and endpoint/VIP rules of the
// services that stay, pools, endpoint limits; and the input positions that problem
// paths need.
import { at, field, isRecord, quote, type ProblemList } from "../../../libs/domain/input.ts";
import { parseAddress } from "../../../libs/domain/ip.ts";
import type { EndpointsSpec, Inventory } from "../../../libs/domain/model.ts";
import { checkPools, checkVipClaims, type Replacing } from "./cross-check.ts";
import type { DecideConfig, DecisionState } from "./state.ts";

/** Where each service and VIP was in the raw document (for problem paths). */
export interface Positions {
  readonly service: Map<string, number>;
  readonly vips: Map<string, Map<string, number>>;
  readonly endpoints: Map<string, Map<string, number>>;
  readonly policy: Map<string, number>;
}

/** Canonical address → first position in a raw list (of addresses, or of objects with `key`). */
export function addressIndex(list: unknown, key: string | null): Map<string, number> {
  const out = new Map<string, number>();
  if (!Array.isArray(list)) return out;
  list.forEach((v: unknown, i) => {
    const raw = key === null ? v : isRecord(v) ? field(v, key) : undefined;
    const parsed = parseAddress(raw);
    if (parsed.ok && !out.has(parsed.value.text)) out.set(parsed.value.text, i);
  });
  return out;
}

export function positionsOf(doc: Record<string, unknown>): Positions {
  const p: Positions = {
    service: new Map(),
    vips: new Map(),
    endpoints: new Map(),
    policy: new Map(),
  };
  const services = field(doc, "services");
  if (Array.isArray(services))
    services.forEach((s: unknown, i) => {
      const id = isRecord(s) ? field(s, "id") : undefined;
      if (typeof id !== "string" || p.service.has(id) || !isRecord(s)) return;
      p.service.set(id, i);
      p.vips.set(id, addressIndex(field(s, "vips"), null));
      p.endpoints.set(id, addressIndex(field(s, "endpoints"), "address"));
    });
  const policies = field(doc, "policies");
  if (Array.isArray(policies))
    policies.forEach((x: unknown, i) => {
      const id = isRecord(x) ? field(x, "id") : undefined;
      if (typeof id === "string" && !p.policy.has(id)) p.policy.set(id, i);
    });
  return p;
}

/** No positions: problem paths fall back to index 0 (for the first, cheap pass). */
export const NO_POSITIONS: Positions = {
  service: new Map(),
  vips: new Map(),
  endpoints: new Map(),
  policy: new Map(),
};

/**
 * Adds every problem of `desired` against the objects that stay (`replaced(id)` is
 * true for services the sync replaces or prunes) to `problems`, with paths from `pos`.
 */
export function checkAgainstState(
  desired: Inventory,
  pos: Positions,
  state: DecisionState,
  config: DecideConfig,
  replaced: (id: string) => boolean,
  problems: ProblemList,
): void {
  const replacing: Replacing = { service: replaced, endpoints: replaced };
  desired.services.forEach((spec, n) => {
    const i = pos.service.get(spec.id) ?? n;
    const path = at("services", i);
    const live = state.service(spec.id)?.spec ?? null;
    if (live !== null && live.group !== spec.group)
      problems.add(
        at(path, "group"),
        `${quote(spec.group)} is not the group of service ${quote(spec.id)} (${quote(live.group)}); ` +
          `a group cannot change: delete the service and create it again`,
      );
    const vipIndex = pos.vips.get(spec.id) ?? new Map<string, number>();
    checkVipClaims(spec, vipIndex, path, state.claims, replacing, problems);
    checkPools(spec, vipIndex, new Set(live?.vips ?? []), config.pools, path, problems);
    const eps = desired.endpoints[n] as EndpointsSpec;
    if (eps.endpoints.length > config.maxEndpointsPerService)
      problems.add(
        at(path, "endpoints"),
        `has ${eps.endpoints.length} endpoints; at most ${config.maxEndpointsPerService} allowed (setting limits.endpointsPerService)`,
      );
    const epIndex = pos.endpoints.get(spec.id) ?? new Map<string, number>();
    for (const e of eps.endpoints)
      for (const owner of state.claims.servicesWithVip(e.address))
        if (!replaced(owner))
          problems.add(
            at(at(at(path, "endpoints"), epIndex.get(e.address) ?? 0), "address"),
            `${quote(e.address)} is a vip of service ${quote(owner)}`,
          );
  });
  desired.policies.forEach((spec, n) => {
    const live = state.policy(spec.id)?.spec ?? null;
    if (live !== null && live.group !== spec.group)
      problems.add(
        at(at("policies", pos.policy.get(spec.id) ?? n), "group"),
        `${quote(spec.group)} is not the group of policy ${quote(spec.id)} (${quote(live.group)}); ` +
          `a group cannot change: delete the policy and create it again`,
      );
  });
}
