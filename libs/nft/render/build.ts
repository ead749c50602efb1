// Inventory + settings -> the desired ruleset (pure, deterministic): every
// service and policy rendered on its own (a fragment), then put together.
import type { Endpoint, Inventory, PolicySpec, ServiceSpec } from "../../domain/model.ts";
import type { GatewaySettings } from "../settings.ts";
import { filterTable } from "./filter.ts";
import { guardName } from "./guards.ts";
import type { Ruleset } from "./model.ts";
import { natTable } from "./nat.ts";
import { policyFragment, type PolicyFragment } from "./policy-fragment.ts";
import { serviceFragment, type ServiceFragment } from "./service-fragment.ts";

const NO_ENDPOINTS: readonly Endpoint[] = [];

/** A service as rendered: the inputs it was rendered from, and the result. */
export interface RenderedService {
  readonly spec: ServiceSpec;
  readonly endpoints: readonly Endpoint[];
  readonly fragment: ServiceFragment;
}

/** A policy as rendered. */
export interface RenderedPolicy {
  readonly spec: PolicySpec;
  readonly fragment: PolicyFragment;
}

/** Every object of an inventory rendered, each list in ascending id order. */
export interface RenderedObjects {
  readonly services: readonly RenderedService[];
  /** Empty when the filter table is disabled (policies are then not rendered). */
  readonly policies: readonly RenderedPolicy[];
}

function byId<T extends { readonly id: string }>(a: T, b: T): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** `list` in ascending id order: itself when already sorted (inventories are), else a sorted copy. */
function sortedById<T extends { readonly id: string }>(list: readonly T[]): readonly T[] {
  for (let i = 1; i < list.length; i++)
    if (byId(list[i - 1] as T, list[i] as T) >= 0) return [...list].sort(byId);
  return list;
}

/**
 * The endpoint list of every service id (an id listed twice: the last wins).
 * Endpoints of ids without a service are ignored by the callers.
 */
export function endpointsById(inventory: Inventory): Map<string, readonly Endpoint[]> {
  const out = new Map<string, readonly Endpoint[]>();
  for (const e of inventory.endpoints) out.set(e.serviceId, e.endpoints);
  return out;
}

/**
 * Renders every policy (unless the filter table is disabled) and every service
 * of `inventory`. Throws RenderError on unsafe values (policies are checked
 * first, then services, each list in id order).
 */
export function renderObjects(inventory: Inventory, settings: GatewaySettings): RenderedObjects {
  const policies: RenderedPolicy[] = [];
  if (settings.filterTableName !== "") {
    guardName(settings.filterTableName, "table");
    for (const spec of sortedById(inventory.policies))
      policies.push({ spec, fragment: policyFragment(spec) });
  }
  guardName(settings.natTableName, "table");
  const sorted = sortedById(inventory.services);
  // inventoryOf lists one EndpointsSpec per service, in the same order: then
  // the endpoints of service i are at i and no map is needed.
  const eps = inventory.endpoints;
  let aligned = sorted === inventory.services && eps.length === sorted.length;
  for (let i = 0; aligned && i < sorted.length; i++) aligned = eps[i]?.serviceId === sorted[i]?.id;
  const byService = aligned ? null : endpointsById(inventory);
  const services: RenderedService[] = [];
  for (let i = 0; i < sorted.length; i++) {
    const spec = sorted[i] as ServiceSpec;
    const endpoints =
      (byService === null ? eps[i]?.endpoints : byService.get(spec.id)) ?? NO_ENDPOINTS;
    services.push({ spec, endpoints, fragment: serviceFragment(spec, endpoints, settings) });
  }
  return { services, policies };
}

/**
 * Puts rendered fragments (each list in ascending id order) together: the NAT
 * table and, unless `filterTableName` is "", the filter table. Throws
 * RenderError when two services claim one vip, protocol and port.
 */
export function assembleRuleset(
  settings: GatewaySettings,
  services: readonly ServiceFragment[],
  policies: readonly PolicyFragment[],
): Ruleset {
  const filter = filterTable(settings, policies);
  const nat = natTable(settings, services);
  return { tables: filter === null ? [nat] : [nat, filter] };
}

/**
 * Builds the ruleset the gateway should run: the NAT table and, unless
 * `filterTableName` is "", the filter table. An empty inventory yields the base
 * chains and empty maps. Equal inputs give equal rulesets (sorted everywhere).
 * Throws RenderError when a value is not a strict literal (never for validated input).
 */
export function buildRuleset(inventory: Inventory, settings: GatewaySettings): Ruleset {
  const objects = renderObjects(inventory, settings);
  return assembleRuleset(
    settings,
    objects.services.map((s) => s.fragment),
    objects.policies.map((p) => p.fragment),
  );
}
