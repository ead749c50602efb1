// Gateway nftables settings: table and chain names, the load-balancer mark and the
// SNAT switch. Config files use the seed's kebab-case keys (`nat-table-name`, …);
// code uses the camelCase fields below. Validation never throws: it returns every
// problem with its key. Pure (no I/O).
import type { Problem } from "../domain/model.ts";
import { NAME_MAX } from "./render/guards.ts";
import { NFT_KEYWORDS } from "./render/keywords.ts";
import { GENERATED_PREFIXES } from "./render/names.ts";

/** What a gateway needs besides the inventory to render its ruleset. */
export interface GatewaySettings {
  /** Table (family inet) holding DNAT/SNAT; default `lbaas`. */
  readonly natTableName: string;
  /** Base chain at hook prerouting, priority dstnat; default `prerouting`. */
  readonly natPreroutingChain: string;
  /** Base chain at hook postrouting, priority srcnat; default `postrouting`. */
  readonly natPostroutingChain: string;
  /** Table (family inet) for policies and the marked-flow accept; "" disables it. Default `lbaas-filter`. */
  readonly filterTableName: string;
  /** Base chain at hook forward, priority filter; default `forward`. */
  readonly filterForwardChain: string;
  /** Masquerade load-balanced flows unless a service says otherwise; default true. */
  readonly enableSnat: boolean;
  /** Mark value of load-balanced flows (must lie within the mask, non-zero); default 0x1. */
  readonly fwmarkBits: number;
  /** Bits of the packet and conntrack mark owned by lbaas; default 0x1. */
  readonly fwmarkMask: number;
}

/**
 * Defaults. We own our tables outright (a full sync deletes and recreates them),
 * so the default names must not be the seed's `nat`/`filter`, which operators
 * commonly use for their own rules.
 */
export const DEFAULT_GATEWAY_SETTINGS: GatewaySettings = {
  natTableName: "lbaas",
  natPreroutingChain: "prerouting",
  natPostroutingChain: "postrouting",
  filterTableName: "lbaas-filter",
  filterForwardChain: "forward",
  enableSnat: true,
  fwmarkBits: 0x1,
  fwmarkMask: 0x1,
};

/** Config-file key (the seed's) -> field. */
export const SETTINGS_KEYS = {
  "nat-table-name": "natTableName",
  "nat-prerouting-chain": "natPreroutingChain",
  "nat-postrouting-chain": "natPostroutingChain",
  "filter-table-name": "filterTableName",
  "filter-forward-chain": "filterForwardChain",
  "enable-snat": "enableSnat",
  "fwmark-bits": "fwmarkBits",
  "fwmark-mask": "fwmarkMask",
} as const satisfies Record<string, keyof GatewaySettings>;

export type SettingsResult =
  | { readonly ok: true; readonly value: GatewaySettings }
  | { readonly ok: false; readonly problems: readonly Problem[] };

const NAME_RE = /^[A-Za-z][A-Za-z0-9_-]*$/;

function nameProblem(key: string, value: unknown, allowEmpty: boolean): Problem | null {
  if (typeof value !== "string")
    return { path: key, message: `${JSON.stringify(value)} is not a string` };
  if (value === "" && allowEmpty) return null;
  if (!NAME_RE.test(value) || value.length > 64)
    return {
      path: key,
      message: `${JSON.stringify(value)} is not a name (a letter, then letters, digits, '-' or '_'; at most 64)`,
    };
  if (NFT_KEYWORDS.has(value.toLowerCase()))
    return {
      path: key,
      message: `${JSON.stringify(value)} is an nft keyword and cannot be a name`,
    };
  if (GENERATED_PREFIXES.some((p) => value.startsWith(p)))
    return {
      path: key,
      message: `${JSON.stringify(value)} starts with a prefix reserved for generated chains (${GENERATED_PREFIXES.join(", ")})`,
    };
  return value.length > NAME_MAX ? { path: key, message: "too long" } : null;
}

/** Accepts a number, or a string in decimal or 0x-hex (config files often quote marks). */
function markValue(value: unknown): number | null {
  const n =
    typeof value === "number"
      ? value
      : typeof value === "string" && /^(0x[0-9a-fA-F]{1,8}|[0-9]{1,10})$/.test(value)
        ? Number(value)
        : NaN;
  return Number.isInteger(n) && n >= 0 && n <= 0xffffffff ? n : null;
}

/**
 * Validates raw settings (an object with the seed's kebab-case keys or the
 * camelCase field names; absent keys take the defaults). Unknown keys are
 * problems. Returns every problem with its key as path; never throws. Also
 * checks that the two tables and the chains of one table have distinct names,
 * and that the mark value is non-zero and lies within the mask.
 */
export function validateGatewaySettings(raw: unknown): SettingsResult {
  if (raw === null || raw === undefined) return { ok: true, value: DEFAULT_GATEWAY_SETTINGS };
  if (typeof raw !== "object" || Array.isArray(raw))
    return { ok: false, problems: [{ path: "", message: "gateway settings must be an object" }] };
  const problems: Problem[] = [];
  const merged: Record<string, unknown> = { ...DEFAULT_GATEWAY_SETTINGS };
  const fieldKeys = new Map<string, string>();
  for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
    const field =
      (SETTINGS_KEYS as Record<string, string>)[key] ??
      (key in DEFAULT_GATEWAY_SETTINGS ? key : undefined);
    if (field === undefined) {
      problems.push({ path: key, message: `unknown key ${JSON.stringify(key)}` });
      continue;
    }
    merged[field] = value;
    fieldKeys.set(field, key);
  }
  const keyOf = (field: keyof GatewaySettings): string =>
    fieldKeys.get(field) ??
    Object.entries(SETTINGS_KEYS).find(([, f]) => f === field)?.[0] ??
    field;
  for (const field of [
    "natTableName",
    "natPreroutingChain",
    "natPostroutingChain",
    "filterForwardChain",
  ] as const) {
    const p = nameProblem(keyOf(field), merged[field], false);
    if (p) problems.push(p);
  }
  const filterProblem = nameProblem(keyOf("filterTableName"), merged.filterTableName, true);
  if (filterProblem) problems.push(filterProblem);
  if (typeof merged.enableSnat !== "boolean")
    problems.push({
      path: keyOf("enableSnat"),
      message: `${JSON.stringify(merged.enableSnat)} is not a boolean`,
    });
  const bits = markValue(merged.fwmarkBits);
  const mask = markValue(merged.fwmarkMask);
  if (bits === null)
    problems.push({
      path: keyOf("fwmarkBits"),
      message: `${JSON.stringify(merged.fwmarkBits)} is not a 32-bit mark`,
    });
  if (mask === null)
    problems.push({
      path: keyOf("fwmarkMask"),
      message: `${JSON.stringify(merged.fwmarkMask)} is not a 32-bit mask`,
    });
  if (bits !== null && mask !== null) {
    if (mask === 0)
      problems.push({ path: keyOf("fwmarkMask"), message: "0 is not a mask (no bits)" });
    if (bits === 0)
      problems.push({
        path: keyOf("fwmarkBits"),
        message: "0 cannot mark flows (must be non-zero)",
      });
    if ((bits & ~mask) >>> 0 !== 0)
      problems.push({
        path: keyOf("fwmarkBits"),
        message: `0x${bits.toString(16)} has bits outside fwmark-mask 0x${mask.toString(16)}`,
      });
  }
  if (merged.natTableName === merged.filterTableName)
    problems.push({
      path: keyOf("filterTableName"),
      message: `must differ from nat-table-name ${JSON.stringify(merged.natTableName)}`,
    });
  if (merged.natPreroutingChain === merged.natPostroutingChain)
    problems.push({
      path: keyOf("natPostroutingChain"),
      message: "must differ from nat-prerouting-chain",
    });
  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    value: {
      ...(merged as unknown as GatewaySettings),
      fwmarkBits: bits ?? 1,
      fwmarkMask: mask ?? 1,
    },
  };
}
