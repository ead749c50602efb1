// Cross-object rules, checked against the CURRENT state plus the command (a request
// must not be able to break what other objects already hold):
// - a VIP:protocol:port is served by one service (across all groups);
// - no endpoint address is a VIP of any service, and no VIP is an endpoint address;
// - new VIPs of a group with VIP pools lie inside them.
// "Replaced" services are those whose current spec or endpoints this very command
// replaces (the service itself; in a sync, every service of the document and every
// pruned one): their current claims do not count, their new ones are checked by the
// command's own validation.
import { parseAddress } from "../../../libs/domain/ip.ts";
import { at, quote, type ProblemList } from "../../../libs/domain/input.ts";
import type { ServiceSpec } from "../../../libs/domain/model.ts";
import type { ReadEndpoint } from "../../../libs/domain/validate-endpoints.ts";
import { portKey } from "../../../libs/domain/validate-service.ts";
import { claimKey, type ClaimView } from "./claims.ts";
import { poolsText } from "./state.ts";
import { outsidePools, type VipPools } from "./vip-pool.ts";

/** Which current claims a command replaces. */
export interface Replacing {
  /** True when the service's current VIP:port claims are replaced by this command. */
  readonly service: (id: string) => boolean;
  /** True when the service's current endpoints are replaced by this command. */
  readonly endpoints: (id: string) => boolean;
}

/**
 * Records a problem at `<path>.vips[i]` for every VIP of `spec` whose protocol/port is
 * served by another, not replaced, service, and for every VIP that is an endpoint of
 * a service whose endpoints stay. `vipIndex` maps canonical VIPs to input positions.
 */
export function checkVipClaims(
  spec: ServiceSpec,
  vipIndex: ReadonlyMap<string, number>,
  path: string,
  claims: ClaimView,
  replacing: Replacing,
  problems: ProblemList,
): void {
  for (const vip of spec.vips) {
    const vipPath = at(at(path, "vips"), vipIndex.get(vip) ?? 0);
    for (const p of spec.ports)
      for (const owner of claims.ownersOf(claimKey(vip, p.protocol, p.port))) {
        if (owner === spec.id || replacing.service(owner)) continue;
        problems.add(
          vipPath,
          `${quote(vip)} ${portKey(p.protocol, p.port)} is already served by service ${quote(owner)}`,
        );
      }
    for (const user of claims.servicesWithEndpoint(vip)) {
      if (replacing.endpoints(user)) continue;
      problems.add(vipPath, `${quote(vip)} is an endpoint of service ${quote(user)}`);
    }
  }
}

/**
 * Records a problem at `<path>[i].address` for every endpoint that is a VIP of its own
 * service (`ownVips`) or of another, not replaced, service.
 */
export function checkEndpointAddresses(
  serviceId: string,
  ownVips: readonly string[],
  endpoints: readonly ReadEndpoint[],
  path: string,
  claims: ClaimView,
  replacing: Replacing,
  problems: ProblemList,
): void {
  const own = new Set(ownVips);
  for (const e of endpoints) {
    const address = e.endpoint.address;
    const p = at(at(path, e.index), "address");
    if (own.has(address)) {
      problems.add(p, `${quote(address)} is a vip of service ${quote(serviceId)}`);
      continue;
    }
    for (const owner of claims.servicesWithVip(address)) {
      if (owner === serviceId || replacing.service(owner)) continue;
      problems.add(p, `${quote(address)} is a vip of service ${quote(owner)}`);
    }
  }
}

/**
 * Records a problem at `<path>.vips[i]` for every VIP of `spec` that is outside the
 * pools of its group, unless the service already holds it (`held`). Groups without
 * pools accept any VIP.
 */
export function checkPools(
  spec: ServiceSpec,
  vipIndex: ReadonlyMap<string, number>,
  held: ReadonlySet<string>,
  pools: VipPools,
  path: string,
  problems: ProblemList,
): void {
  if (!pools.has(spec.group)) return;
  for (const vip of spec.vips) {
    if (held.has(vip)) continue;
    const parsed = parseAddress(vip);
    if (!parsed.ok || !outsidePools(pools, spec.group, parsed.value)) continue;
    problems.add(
      at(at(path, "vips"), vipIndex.get(vip) ?? 0),
      `${quote(vip)} is outside the vip pools of group ${quote(spec.group)} (${poolsText(pools, spec.group)})`,
    );
  }
}
