// VIP pools: per gateway group, the prefixes VIPs may come from, and the allocation
// of `auto` VIPs (the lowest free address of the wanted family).
//
// Rules (documented in the service README):
// - A group with pools accepts only VIPs inside them (new VIPs of a service; VIPs a
//   service already holds are kept even if the pools changed since). A group without
//   pools accepts any VIP, and cannot allocate `auto` VIPs.
// - Allocation never hands out: an address that is a VIP of any live service (in any
//   group), an address an endpoint uses, an address already taken in the same request,
//   the first (network) and last (broadcast) address of an IPv4 prefix shorter than
//   /31, the first (subnet-router anycast) address of an IPv6 prefix shorter than /127,
//   and special-use addresses (loopback, multicast, ...).
import {
  compareCidrs,
  cidrContainsAddress,
  formatAddress,
  parseCidr,
  specialUseOf,
  type IpAddress,
  type IpCidr,
  type IpFamily,
} from "../../../libs/domain/ip.ts";
import { isDnsLabel, quote } from "../../../libs/domain/input.ts";
import type { Problem } from "../../../libs/domain/model.ts";

/** Pools per group; prefixes sorted by family, network and length. */
export type VipPools = ReadonlyMap<string, readonly IpCidr[]>;

/** Most prefixes per group (a pool is a handful of ranges, not a route table). */
export const MAX_POOL_PREFIXES = 256;

/**
 * Reads `{group: [cidr, ...]}` at `path` (a config tree value). Never throws: an
 * absent value is no pools; every problem is returned with its path, e.g.
 * `vipPools.edge[1]: "203.0.113.1/24" has host bits set; the network is "203.0.113.0/24"`.
 */
export function readVipPools(
  value: unknown,
  path = "vipPools",
): { readonly pools: VipPools; readonly problems: readonly Problem[] } {
  const problems: Problem[] = [];
  const pools = new Map<string, IpCidr[]>();
  if (value === undefined || value === null) return { pools, problems };
  if (typeof value !== "object" || Array.isArray(value)) {
    problems.push({ path, message: `${quote(value)} is not a map of group → list of cidrs` });
    return { pools, problems };
  }
  for (const [group, list] of Object.entries(value as Record<string, unknown>)) {
    const at = `${path}.${group}`;
    if (!isDnsLabel(group)) {
      problems.push({ path: at, message: `${quote(group)} is not a group (a dns label)` });
      continue;
    }
    if (!Array.isArray(list) || list.length === 0 || list.length > MAX_POOL_PREFIXES) {
      problems.push({
        path: at,
        message: `${quote(list)} is not a list of 1-${MAX_POOL_PREFIXES} cidrs`,
      });
      continue;
    }
    const prefixes: IpCidr[] = [];
    list.forEach((raw: unknown, i) => {
      const parsed = parseCidr(raw);
      if (!parsed.ok) {
        problems.push({ path: `${at}[${i}]`, message: `${quote(raw)} ${parsed.reason}` });
        return;
      }
      const range = usableRange(parsed.value);
      const special = range === null ? null : specialEnd(parsed.value, range);
      if (range === null || special !== null) {
        const why = special ?? "has no allocatable address";
        problems.push({ path: `${at}[${i}]`, message: `${quote(raw)} ${why}` });
        return;
      }
      prefixes.push(parsed.value);
    });
    pools.set(group, prefixes.sort(compareCidrs));
  }
  return { pools, problems };
}

/** True when `group` has pools and `address` lies in none of them. */
export function outsidePools(pools: VipPools, group: string, address: IpAddress): boolean {
  const prefixes = pools.get(group);
  if (prefixes === undefined) return false;
  return !prefixes.some((p) => cidrContainsAddress(p, address));
}

/** True when `group` has pools and the canonical `address` text lies in one of them. */
export function insidePools(pools: VipPools, group: string, address: IpAddress): boolean {
  return (pools.get(group) ?? []).some((p) => cidrContainsAddress(p, address));
}

/** The families the pools of `group` offer (empty when the group has none). */
export function poolFamilies(pools: VipPools, group: string): ReadonlySet<IpFamily> {
  return new Set((pools.get(group) ?? []).map((p) => p.family));
}

function toBigInt(bytes: Uint8Array): bigint {
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  return n;
}

function fromBigInt(n: bigint, length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let i = length - 1; i >= 0; i--) {
    bytes[i] = Number(n & 0xffn);
    n >>= 8n;
  }
  return bytes;
}

/** First and last allocatable address of a prefix (see the file comment), or null. */
function usableRange(p: IpCidr): { first: bigint; last: bigint } | null {
  const bits = p.family === "ipv4" ? 32 : 128;
  const size = 1n << BigInt(bits - p.prefix);
  const base = toBigInt(p.bytes);
  let first = base;
  let last = base + size - 1n;
  if (p.family === "ipv4" && p.prefix < 31) {
    first += 1n;
    last -= 1n;
  } else if (p.family === "ipv6" && p.prefix < 127) {
    first += 1n;
  }
  return first <= last ? { first, last } : null;
}

/** Why the first or last usable address of a prefix is special-use, or null. */
function specialEnd(p: IpCidr, range: { first: bigint; last: bigint }): string | null {
  const length = p.family === "ipv4" ? 4 : 16;
  for (const n of [range.first, range.last]) {
    const bytes = fromBigInt(n, length);
    const text = formatAddress(bytes);
    const special = specialUseOf({ family: p.family, bytes, text });
    if (special !== null) return `reaches ${quote(text)}, which ${special}`;
  }
  return null;
}

/**
 * The lowest address of `family` in the pools of `group` for which `taken(text)` is
 * false, skipping the reserved addresses of the file comment; null when the group has
 * no pool of that family or every address is taken. Cost: O(taken addresses in the
 * pool) per prefix, whatever the prefix size (a /64 is fine).
 */
export function allocateVip(
  pools: VipPools,
  group: string,
  family: IpFamily,
  taken: (address: string) => boolean,
): string | null {
  const length = family === "ipv4" ? 4 : 16;
  for (const p of pools.get(group) ?? []) {
    if (p.family !== family) continue;
    const range = usableRange(p);
    if (range === null) continue;
    for (let n = range.first; n <= range.last; n++) {
      const bytes = fromBigInt(n, length);
      const text = formatAddress(bytes);
      if (taken(text)) continue;
      if (specialUseOf({ family, bytes, text }) !== null) continue;
      return text;
    }
  }
  return null;
}
