// Rule fragments for the load-balancer mark. The mask really masks: only the bits
// under fwmark-mask are written or compared, the rest of the packet mark and the
// conntrack mark belong to other users and are preserved.
import type { GatewaySettings } from "../settings.ts";
import { guardInt } from "./guards.ts";

function hex(n: number): string {
  return `0x${(n >>> 0).toString(16).padStart(8, "0")}`;
}

/**
 * Statements that set our bits on the packet mark and the conntrack mark:
 * `meta mark set meta mark & ~mask | value ct mark set ct mark & ~mask | value`.
 * (nft may print `& 0xffffffff` away, e.g. `meta mark | 0x00000001` for 0x1/0x1.)
 */
export function setMarkStatements(s: GatewaySettings): string {
  const mask = guardInt(s.fwmarkMask, 1, 0xffffffff, "settings.fwmarkMask");
  const value = guardInt(s.fwmarkBits, 1, 0xffffffff, "settings.fwmarkBits");
  const keep = hex(~mask >>> 0);
  return `meta mark set meta mark & ${keep} | ${hex(value)} ct mark set ct mark & ${keep} | ${hex(value)}`;
}

/** Match of our bits on the packet mark (`meta`) or the conntrack mark (`ct`). */
export function markMatch(s: GatewaySettings, where: "meta" | "ct"): string {
  const mask = guardInt(s.fwmarkMask, 1, 0xffffffff, "settings.fwmarkMask");
  const value = guardInt(s.fwmarkBits, 1, 0xffffffff, "settings.fwmarkBits");
  return `${where} mark & ${hex(mask)} == ${hex(value)}`;
}
