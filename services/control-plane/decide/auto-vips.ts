// `auto` VIPs: before a service input is validated, its `vip` shorthand becomes
// `vips`, and every `auto` entry becomes a concrete address from the group's pool.
//
// - `"auto"`: an IPv4 address when the group's pools have an IPv4 prefix, else IPv6;
//   `"auto4"` / `"auto6"` ask for a family explicitly.
// - Sticky: a service that already holds a VIP of that family inside its group's
//   pools keeps it (so re-applying the same document changes nothing); otherwise the
//   lowest free address is allocated (see vip-pool.ts for "free").
// - `vip: X` is shorthand for `vips: [X]`; giving both is a problem.
import {
  at,
  field,
  isAbsent,
  isRecord,
  quote,
  type ProblemList,
} from "../../../libs/domain/input.ts";
import { parseAddress, type IpFamily } from "../../../libs/domain/ip.ts";
import { DEFAULT_GROUP, type ServiceSpec } from "../../../libs/domain/model.ts";
import { isDnsLabel } from "../../../libs/domain/validate.ts";
import type { Allocation } from "./decision.ts";
import { allocateVip, insidePools, poolFamilies, type VipPools } from "./vip-pool.ts";

const AUTO_FAMILY: Readonly<Record<string, IpFamily | null>> = {
  auto: null,
  auto4: "ipv4",
  auto6: "ipv6",
};

/** True for `auto`, `auto4` and `auto6`. */
export function isAutoToken(value: unknown): value is string {
  return typeof value === "string" && Object.hasOwn(AUTO_FAMILY, value);
}

/** What resolveAutoVips needs to know beyond the input. */
export interface AutoVipContext {
  readonly pools: VipPools;
  /** The service's live spec before this write, if any (for sticky VIPs). */
  readonly current: ServiceSpec | null;
  /** True when an address may not be allocated (a VIP or endpoint of anyone, or taken in this request). */
  readonly taken: (address: string) => boolean;
}

/**
 * Returns a copy of the raw service `input` (at `path`) with `vip` folded into `vips`
 * and `auto` entries replaced by addresses, plus the allocations made. Never throws:
 * input that is not an object, or `vips` that is not a list, is returned unchanged
 * for the validator to report; an entry that cannot be allocated (no pool for the
 * group, pool exhausted, invalid group) is recorded in `problems` and dropped.
 */
export function resolveAutoVips(
  input: unknown,
  path: string,
  problems: ProblemList,
  ctx: AutoVipContext,
): { readonly input: unknown; readonly allocations: readonly Allocation[] } {
  if (!isRecord(input)) return { input, allocations: [] };
  const obj: Record<string, unknown> = { ...input };
  if (Object.hasOwn(obj, "vip")) {
    const vip = obj["vip"];
    delete obj["vip"];
    if (!isAbsent(field(obj, "vips"))) {
      problems.add(at(path, "vip"), `is shorthand for "vips"; give one of them, not both`);
    } else obj["vips"] = [vip];
  }
  const vips = field(obj, "vips");
  if (!Array.isArray(vips) || !vips.some(isAutoToken)) return { input: obj, allocations: [] };

  const rawId = field(obj, "id");
  const serviceId = typeof rawId === "string" ? rawId : "";
  const rawGroup = field(obj, "group");
  const group = isAbsent(rawGroup) ? DEFAULT_GROUP : rawGroup;
  const explicit = new Set<string>();
  for (const v of vips) {
    const parsed = isAutoToken(v) ? null : parseAddress(v);
    if (parsed?.ok === true) explicit.add(parsed.value.text);
  }
  const chosen = new Set<string>();
  const allocations: Allocation[] = [];
  const out: unknown[] = [];
  vips.forEach((v: unknown, i) => {
    if (!isAutoToken(v)) return void out.push(v);
    const p = at(at(path, "vips"), i);
    if (!isDnsLabel(group)) {
      problems.add(p, `${quote(v)} cannot be allocated: the service's group is not valid`);
      return;
    }
    const families = poolFamilies(ctx.pools, group);
    if (families.size === 0) {
      problems.add(
        p,
        `${quote(v)} needs a vip pool, but group ${quote(group)} has none (setting vipPools.${group})`,
      );
      return;
    }
    const family = AUTO_FAMILY[v] ?? (families.has("ipv4") ? "ipv4" : "ipv6");
    const kept = ctx.current?.vips.find((a) => {
      const parsed = parseAddress(a);
      return (
        parsed.ok &&
        parsed.value.family === family &&
        !explicit.has(a) &&
        !chosen.has(a) &&
        insidePools(ctx.pools, group, parsed.value)
      );
    });
    const address =
      kept ??
      allocateVip(
        ctx.pools,
        group,
        family,
        (a) => explicit.has(a) || chosen.has(a) || ctx.taken(a),
      );
    if (address === null) {
      problems.add(
        p,
        `${quote(v)}: no free ${family} address left in the vip pools of group ${quote(group)}`,
      );
      return;
    }
    chosen.add(address);
    allocations.push({ serviceId, path: p, address, kept: kept !== undefined });
    out.push(address);
  });
  obj["vips"] = out;
  return { input: obj, allocations };
}
