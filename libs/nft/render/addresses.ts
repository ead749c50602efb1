// Canonical IP literals, parsed and printed without node:net (the render core is pure).
// IPv4: dotted quad, no leading zeros. IPv6: RFC 5952 (lower case, longest run of
// zero groups compressed, first run on a tie, single zero groups not compressed,
// IPv4-mapped addresses in mixed notation `::ffff:a.b.c.d`).

/** Address family tag used in names and rule shapes. */
export type IpFamily = "v4" | "v6";

/**
 * The value (0 to 2^32-1) of a canonical dotted quad (four octets 0-255, no
 * leading zeros), or -1 when `text` is not one. A hand-written scan: the
 * renderer checks ~50,000 addresses at 10,000 services, and the equivalent
 * regular expression cost ~2 % of a render.
 */
export function canonicalV4Value(text: string): number {
  const len = text.length;
  if (len < 7 || len > 15) return -1;
  let value = 0;
  let i = 0;
  for (let octet = 0; octet < 4; octet++) {
    if (octet > 0) {
      if (text.charCodeAt(i) !== 46) return -1; // "."
      i++;
    }
    const start = i;
    let n = 0;
    while (i < len && i - start < 4) {
      const c = text.charCodeAt(i) - 48;
      if (c < 0 || c > 9) break;
      n = n * 10 + c;
      i++;
    }
    const digits = i - start;
    if (digits === 0 || digits > 3 || n > 255) return -1;
    if (digits > 1 && text.charCodeAt(start) === 48) return -1; // leading zero
    value = value * 256 + n;
  }
  return i === len ? value : -1;
}

/** Parses a dotted-quad IPv4 address; null when it is not one (leading zeros refused). */
export function parseIPv4(text: string): number[] | null {
  const v = canonicalV4Value(text);
  return v < 0 ? null : [v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255];
}

/** Parses an IPv6 address (any valid spelling) into 8 16-bit groups; null when invalid. */
export function parseIPv6(text: string): number[] | null {
  if (!/^[0-9A-Fa-f:.]+$/.test(text) || text.length > 45) return null;
  let head = text;
  const tail: number[] = [];
  const lastColon = text.lastIndexOf(":");
  if (text.includes(".")) {
    const v4 = parseIPv4(text.slice(lastColon + 1));
    if (v4 === null || lastColon < 0) return null;
    tail.push(((v4[0] ?? 0) << 8) | (v4[1] ?? 0), ((v4[2] ?? 0) << 8) | (v4[3] ?? 0));
    head = text.slice(0, lastColon + 1);
    if (head.endsWith(":") && !head.endsWith("::")) head = head.slice(0, -1);
  }
  const halves = head.split("::");
  if (halves.length > 2) return null;
  const parseGroups = (s: string): number[] | null => {
    if (s === "") return [];
    const groups: number[] = [];
    for (const g of s.split(":")) {
      if (!/^[0-9A-Fa-f]{1,4}$/.test(g)) return null;
      groups.push(parseInt(g, 16));
    }
    return groups;
  };
  const left = parseGroups(halves[0] ?? "");
  const right = halves.length === 2 ? parseGroups(halves[1] ?? "") : [];
  if (left === null || right === null) return null;
  const known = left.length + right.length + tail.length;
  if (halves.length === 1) return known === 8 ? [...left, ...tail] : null;
  if (known > 7) return null;
  return [...left, ...new Array<number>(8 - known).fill(0), ...right, ...tail];
}

/** Prints 8 groups in RFC 5952 canonical form. */
export function formatIPv6(groups: readonly number[]): string {
  const g = [...groups];
  if (g[0] === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0 && g[4] === 0 && g[5] === 0xffff) {
    const hi = g[6] ?? 0;
    const lo = g[7] ?? 0;
    return `::ffff:${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  }
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8;) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (xs: number[]): string => xs.map((x) => x.toString(16)).join(":");
  if (bestLen < 2) return hex(g);
  return `${hex(g.slice(0, bestStart))}::${hex(g.slice(bestStart + bestLen))}`;
}

const HEX = new Int8Array(128).fill(-1);
for (let c = 0; c < 10; c++) HEX[48 + c] = c;
for (let c = 0; c < 6; c++) HEX[97 + c] = 10 + c; // lower case only: upper case is not canonical

/**
 * True when `text` is an IPv6 address in RFC 5952 form without a dotted quad.
 * A hand-written scan (no regex, no allocation): rendering 10,000 IPv6 services
 * checks ~60,000 addresses, and the parse-and-print round trip took ~300 ms.
 */
const GROUPS = new Int32Array(8);
const ALL = new Int32Array(8);

function isCanonicalHexV6(text: string): boolean {
  const groups = GROUPS;
  let n = 0;
  let gap = -1; // index in `groups` where "::" stands
  let i = 0;
  const len = text.length;
  if (len < 2 || len > 39) return false;
  while (i < len) {
    if (text.charCodeAt(i) === 58 && text.charCodeAt(i + 1) === 58) {
      if (gap >= 0) return false;
      gap = n;
      i += 2;
      continue;
    }
    if (text.charCodeAt(i) === 58) {
      if (i === 0 || text.charCodeAt(i - 1) === 58) return false;
      i++;
      if (i === len) return false;
      continue;
    }
    let value = 0;
    let digits = 0;
    const first = text.charCodeAt(i);
    while (i < len && digits < 5) {
      const c = text.charCodeAt(i);
      const h = c < 128 ? (HEX[c] ?? -1) : -1;
      if (h < 0) break;
      value = value * 16 + h;
      digits++;
      i++;
    }
    if (digits === 0 || digits > 4 || (digits > 1 && first === 48) || n === 8) return false;
    if (i < len && text.charCodeAt(i) !== 58) return false;
    groups[n++] = value;
  }
  if (gap < 0 ? n !== 8 : n > 6) return false; // "::" must stand for 2+ zero groups
  // Expand into ALL (scratch buffers: the renderer is synchronous).
  const all = ALL;
  const elided = gap < 0 ? 0 : 8 - n;
  for (let k = 0, src = 0; k < 8; k++)
    all[k] = gap >= 0 && k >= gap && k < gap + elided ? 0 : (groups[src++] ?? 0);
  if (
    all[0] === 0 &&
    all[1] === 0 &&
    all[2] === 0 &&
    all[3] === 0 &&
    all[4] === 0 &&
    all[5] === 0xffff
  )
    return false; // IPv4-mapped: canonical in mixed notation
  // The longest run of zero groups (first on a tie) must be exactly the gap.
  let bestStart = -1;
  let bestLen = 1;
  for (let k = 0; k < 8;) {
    if (all[k] !== 0) {
      k++;
      continue;
    }
    let j = k;
    while (j < 8 && all[j] === 0) j++;
    if (j - k > bestLen) {
      bestStart = k;
      bestLen = j - k;
    }
    k = j;
  }
  return gap < 0 ? bestStart < 0 : bestStart === gap && bestLen === 8 - n;
}

/** The family of a canonical address literal, or null when `text` is not canonical. */
export function canonicalFamily(text: string): IpFamily | null {
  if (canonicalV4Value(text) >= 0) return "v4";
  if (!text.includes(":")) return null;
  if (!text.includes(".")) return isCanonicalHexV6(text) ? "v6" : null;
  const v6 = parseIPv6(text);
  if (v6 !== null) return formatIPv6(v6) === text ? "v6" : null;
  return null;
}

/** Address bits as a bigint (32 or 128 bits); the input must be a valid literal. */
export function addressBits(text: string): bigint {
  const v4 = parseIPv4(text);
  if (v4 !== null) return v4.reduce((acc, b) => (acc << 8n) | BigInt(b), 0n);
  const v6 = parseIPv6(text) ?? [];
  return v6.reduce((acc, g) => (acc << 16n) | BigInt(g), 0n);
}

/**
 * The family of a canonical CIDR `addr/len` (host bits zero, no leading zeros in
 * the length), or null when it is not one.
 */
export function canonicalCidrFamily(text: string): IpFamily | null {
  const slash = text.indexOf("/");
  if (slash < 0) return null;
  const addr = text.slice(0, slash);
  const lenText = text.slice(slash + 1);
  const family = canonicalFamily(addr);
  if (family === null || !/^(0|[1-9][0-9]{0,2})$/.test(lenText)) return null;
  const width = family === "v4" ? 32 : 128;
  const len = Number(lenText);
  if (len > width) return null;
  // IPv4 without bigint: the host part is the value modulo 2^(32 - len).
  if (family === "v4") return canonicalV4Value(addr) % 2 ** (32 - len) === 0 ? family : null;
  const hostMask = (1n << BigInt(width - len)) - 1n;
  return (addressBits(addr) & hostMask) === 0n ? family : null;
}
