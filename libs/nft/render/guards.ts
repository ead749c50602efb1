// Last-line guards: every name, address and number that reaches the script is
// checked here against a strict shape, so no input can inject nft syntax even if
// validation upstream was bypassed. Each guard returns its input or throws RenderError.
// Paths are passed as thunks: they are only built when a check fails (rendering
// 10,000 services would otherwise build ~100,000 path strings for nothing).
import { canonicalCidrFamily, canonicalFamily, type IpFamily } from "./addresses.ts";
import { RenderError, type RenderErrorCode } from "./errors.ts";
import { NFT_KEYWORDS } from "./keywords.ts";

/** Where a value came from: a path, or a function building it on failure. */
export type Where = string | (() => string);

function fail(code: RenderErrorCode, where: Where, message: string): never {
  throw new RenderError(code, typeof where === "string" ? where : where(), message);
}

/** Longest object name the kernel accepts (NFT_NAME_MAXLEN - 1). */
export const NAME_MAX = 255;

// nft identifiers: a letter first, then letters, digits, `-`, `_`, `.`, `/`.
// We allow a strict subset without `/`. (A loop over character codes measured no
// faster than this regular expression; the regex also flattens a rope, V8.)
const NAME_RE = /^[A-Za-z][A-Za-z0-9_.-]*$/;

// A DNS label, /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, checked by a loop over
// character codes: measured ~2x faster than the regular expression.
function isLabel(label: string): boolean {
  const len = label.length;
  if (len === 0 || len > 63) return false;
  for (let i = 0; i < len; i++) {
    const c = label.charCodeAt(i);
    if ((c >= 97 && c <= 122) || (c >= 48 && c <= 57)) continue;
    if (c === 45 && i > 0 && i < len - 1) continue;
    return false;
  }
  return true;
}

/**
 * Checks an nftables object name (table, chain, set): strict charset, at most
 * {@link NAME_MAX} characters, not an nft keyword (nft 1.0.6 cannot parse those
 * as names, and it cannot quote table names either).
 */
export function guardName(name: string, path: Where): string {
  if (typeof name !== "string" || !NAME_RE.test(name) || name.length > NAME_MAX)
    fail("unsafe_name", path, `${JSON.stringify(name)} is not a safe nft name`);
  // The nft scanner is case-sensitive: only exact keywords clash.
  if (NFT_KEYWORDS.has(name))
    fail("unsafe_name", path, `${JSON.stringify(name)} is an nft keyword`);
  return name;
}

/**
 * {@link guardName} for a generated chain or set name; the error path (`chain
 * NAME`) is built only on failure (no closure per name on the hot path).
 */
export function guardObjectName(kind: "chain" | "set", name: string): string {
  if (NAME_RE.test(name) && name.length <= NAME_MAX && !NFT_KEYWORDS.has(name)) return name;
  return guardName(name, `${kind} ${String(name)}`);
}

/** Checks a DNS label (service, policy id) used inside generated names. */
export function guardLabel(label: string, path: Where): string {
  if (typeof label !== "string" || !isLabel(label))
    fail("unsafe_name", path, `${JSON.stringify(label)} is not a dns label`);
  return label;
}

/** Checks a canonical IP literal and returns its family. */
export function guardAddress(addr: string, path: Where): IpFamily {
  const family = typeof addr === "string" ? canonicalFamily(addr) : null;
  if (family === null)
    fail("unsafe_address", path, `${JSON.stringify(addr)} is not a canonical ip address`);
  return family;
}

/** Checks a canonical CIDR (host bits zero) and returns its family. */
export function guardCidr(cidr: string, path: Where): IpFamily {
  const family = typeof cidr === "string" ? canonicalCidrFamily(cidr) : null;
  if (family === null)
    fail("unsafe_address", path, `${JSON.stringify(cidr)} is not a canonical cidr`);
  return family;
}

/** Checks an integer in [min, max]. */
export function guardInt(n: number, min: number, max: number, path: Where): number {
  if (typeof n !== "number" || !Number.isInteger(n) || n < min || n > max)
    fail("unsafe_number", path, `${JSON.stringify(n)} is not an integer in ${min}-${max}`);
  return n;
}

/** Checks a value against a closed list of tokens (protocols, schedulers). */
export function guardToken<T extends string>(value: T, allowed: readonly T[], path: Where): T {
  if (!allowed.includes(value))
    fail("unsafe_token", path, `${JSON.stringify(value)} is not one of ${allowed.join(", ")}`);
  return value;
}
