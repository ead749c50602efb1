// IPv4/IPv6 addresses and CIDR prefixes, parsed strictly and printed canonically.
//
// Pure (no node:net): the same rules run in the control plane, the gateways and the
// browser-free tests. Canonical text is what every other module stores and compares:
// IPv4 dotted decimal without leading zeros; IPv6 per RFC 5952 (lower case, leading
// zeros dropped, the longest run of two or more zero groups compressed to `::`, the
// first such run on a tie, and `::ffff:a.b.c.d` for IPv4-mapped addresses).
//
// Strictness, with the reason for each refusal:
// - IPv4 octets with leading zeros ("010") are refused: some parsers read them as octal.
// - Zone indexes ("fe80::1%eth0") are refused: they name a host interface and mean
//   nothing to a gateway fleet.
// - No whitespace, no signs, no hex or shortened IPv4 forms ("1.2.3", "0x7f.1"):
//   anything but the plain textual forms of RFC 4291 / RFC 791 is an error.
// - A CIDR needs an explicit "/prefix" and zero host bits; the error names the network
//   that was probably meant.

export type IpFamily = "ipv4" | "ipv6";

/** A parsed address. `bytes` has 4 (IPv4) or 16 (IPv6) entries; `text` is canonical. */
export interface IpAddress {
  readonly family: IpFamily;
  readonly bytes: Uint8Array;
  readonly text: string;
}

/** A parsed CIDR prefix with zero host bits. `bytes` is the network; `text` is canonical. */
export interface IpCidr {
  readonly family: IpFamily;
  readonly bytes: Uint8Array;
  readonly prefix: number;
  readonly text: string;
}

/** Result of a parse: the value, or a reason that reads well after the quoted input. */
export type IpParse<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string };

/** Longest address text we ever parse ("ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255"). */
const MAX_ADDRESS_TEXT = 45;
const DECIMAL_OCTET = /^(?:0|[1-9][0-9]{0,2})$/;
const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;
const V6_CHARS = /^[0-9a-fA-F:.]+$/;

const NOT_AN_ADDRESS = "is not an ip address";

function fail<T>(reason: string): IpParse<T> {
  return { ok: false, reason };
}

/**
 * Parses dotted-decimal IPv4 into 4 bytes, or returns the reason it is not one. A
 * hand-written scan: this runs for every address of every decoded event.
 */
function parseV4Bytes(s: string): Uint8Array | string {
  const bytes = new Uint8Array(4);
  let octet = 0;
  let value = 0;
  let digits = 0;
  for (let i = 0; i <= s.length; i++) {
    const c = i < s.length ? s.charCodeAt(i) : 0x2e; // a virtual "." ends the last octet
    if (c >= 0x30 && c <= 0x39) {
      if (digits === 3) return NOT_AN_ADDRESS;
      if (digits === 1 && value === 0)
        return "has an ipv4 octet with a leading zero (octal or decimal?)";
      value = value * 10 + (c - 0x30);
      digits++;
    } else if (c === 0x2e) {
      if (digits === 0 || octet === 4) return NOT_AN_ADDRESS;
      if (value > 255) return "has an ipv4 octet above 255";
      bytes[octet++] = value;
      value = 0;
      digits = 0;
    } else {
      return NOT_AN_ADDRESS;
    }
  }
  return octet === 4 ? bytes : NOT_AN_ADDRESS;
}

/** Parses the groups on one side of `::` (or the whole address) into 16-bit values. */
function parseV6Groups(side: string, allowV4Tail: boolean): number[] | string {
  if (side === "") return [];
  const parts = side.split(":");
  const groups: number[] = [];
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i] ?? "";
    if (p.includes(".")) {
      if (!allowV4Tail || i !== parts.length - 1) return NOT_AN_ADDRESS;
      const v4 = parseV4Bytes(p);
      if (typeof v4 === "string") return v4;
      groups.push(((v4[0] ?? 0) << 8) | (v4[1] ?? 0), ((v4[2] ?? 0) << 8) | (v4[3] ?? 0));
    } else {
      if (!HEX_GROUP.test(p)) return NOT_AN_ADDRESS;
      groups.push(parseInt(p, 16));
    }
  }
  return groups;
}

/** Parses RFC 4291 text into 16 bytes, or returns the reason it is not an IPv6 address. */
function parseV6Bytes(s: string): Uint8Array | string {
  if (!V6_CHARS.test(s)) return NOT_AN_ADDRESS;
  const halves = s.split("::");
  if (halves.length > 2) return "has more than one '::'";
  let groups: number[];
  if (halves.length === 2) {
    const head = parseV6Groups(halves[0] ?? "", false);
    if (typeof head === "string") return head;
    const tail = parseV6Groups(halves[1] ?? "", true);
    if (typeof tail === "string") return tail;
    // "::" stands for one or more zero groups.
    if (head.length + tail.length > 7) return NOT_AN_ADDRESS;
    groups = head;
    for (let i = head.length + tail.length; i < 8; i++) groups.push(0);
    for (const g of tail) groups.push(g);
  } else {
    const all = parseV6Groups(s, true);
    if (typeof all === "string") return all;
    if (all.length !== 8) return NOT_AN_ADDRESS;
    groups = all;
  }
  const bytes = new Uint8Array(16);
  for (let i = 0; i < 8; i++) {
    const g = groups[i] ?? 0;
    bytes[2 * i] = g >> 8;
    bytes[2 * i + 1] = g & 0xff;
  }
  return bytes;
}

/** True for IPv6 addresses in ::ffff:0:0/96 (IPv4-mapped). */
export function isV4Mapped(addr: IpAddress): boolean {
  if (addr.family !== "ipv6") return false;
  for (let i = 0; i < 10; i++) if (addr.bytes[i] !== 0) return false;
  return addr.bytes[10] === 0xff && addr.bytes[11] === 0xff;
}

/**
 * Canonical text of 4 or 16 address bytes (see the file comment). Any other length is
 * a programming error and throws a RangeError.
 */
export function formatAddress(bytes: Uint8Array): string {
  if (bytes.length === 4) return `${bytes[0]}.${bytes[1]}.${bytes[2]}.${bytes[3]}`;
  if (bytes.length !== 16)
    throw new RangeError(`an address has 4 or 16 bytes, not ${bytes.length}`);
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0));
  if (groups[0] === 0 && groups[1] === 0 && groups[2] === 0 && groups[3] === 0)
    if (groups[4] === 0 && groups[5] === 0xffff)
      return `::ffff:${bytes[12]}.${bytes[13]}.${bytes[14]}.${bytes[15]}`;
  // Longest run of at least two zero groups; the first one wins a tie (RFC 5952 4.2.3).
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) [bestStart, bestLen] = [i, j - i];
    i = j;
  }
  // Built by hand: this runs for every address parsed (validation, decoding).
  let text = "";
  for (let i = 0; i < 8; i++) {
    if (i === bestStart) {
      text += i === 0 ? "::" : ":";
      i += bestLen - 1;
      continue;
    }
    text += (groups[i] ?? 0).toString(16);
    if (i < 7) text += ":";
  }
  return text;
}

/**
 * Parses an IPv4 or IPv6 address. Never throws: anything that is not a plain address
 * (a non-string, empty, too long, a zone, leading zeros, stray characters) gives
 * `{ok: false, reason}`, a lower-case reason meant to follow the quoted input.
 */
export function parseAddress(text: unknown): IpParse<IpAddress> {
  if (typeof text !== "string") return fail("is not a string");
  if (text.length === 0) return fail(NOT_AN_ADDRESS);
  if (text.length > MAX_ADDRESS_TEXT) return fail(`${NOT_AN_ADDRESS} (too long)`);
  if (text.includes("%")) return fail("has a zone index, which is not allowed");
  const v6 = text.includes(":");
  const bytes = v6 ? parseV6Bytes(text) : parseV4Bytes(text);
  if (typeof bytes === "string") return fail(bytes);
  return { ok: true, value: { family: v6 ? "ipv6" : "ipv4", bytes, text: formatAddress(bytes) } };
}

/** Number of address bits of a family. */
export function bitsOf(family: IpFamily): number {
  return family === "ipv4" ? 32 : 128;
}

/** Copy of `bytes` with every bit after the first `prefix` bits cleared. */
function masked(bytes: Uint8Array, prefix: number): Uint8Array {
  const out = new Uint8Array(bytes);
  for (let i = 0; i < out.length; i++) {
    const keep = Math.max(0, Math.min(8, prefix - 8 * i));
    out[i] = (out[i] ?? 0) & ((0xff << (8 - keep)) & 0xff);
  }
  return out;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Parses "address/prefix" (prefix 0-32 or 0-128, no leading zeros). Never throws. A
 * missing prefix, a bad address or prefix, and set host bits are refused; the host-bits
 * reason names the network, e.g. `has host bits set; the network is "192.0.2.0/24"`.
 */
export function parseCidr(text: unknown): IpParse<IpCidr> {
  if (typeof text !== "string") return fail("is not a string");
  if (text.length > MAX_ADDRESS_TEXT + 4) return fail("is not a cidr (too long)");
  const slash = text.indexOf("/");
  if (slash < 0) return fail('is not a cidr (the "/prefix" is missing)');
  const addr = parseAddress(text.slice(0, slash));
  if (!addr.ok) return fail(addr.reason.replace(NOT_AN_ADDRESS, "is not a cidr"));
  const p = text.slice(slash + 1);
  const { family, bytes } = addr.value;
  if (!DECIMAL_OCTET.test(p) || Number(p) > bitsOf(family)) {
    return fail(`has an invalid prefix length (0-${bitsOf(family)})`);
  }
  const prefix = Number(p);
  const network = masked(bytes, prefix);
  const canonical = `${formatAddress(network)}/${prefix}`;
  if (!sameBytes(network, bytes)) return fail(`has host bits set; the network is "${canonical}"`);
  return { ok: true, value: { family, bytes: network, prefix, text: canonical } };
}

/** True when every address of `inner` lies in `outer` (same family; equal counts). */
export function cidrContains(outer: IpCidr, inner: IpCidr): boolean {
  if (outer.family !== inner.family || inner.prefix < outer.prefix) return false;
  return sameBytes(masked(inner.bytes, outer.prefix), outer.bytes);
}

/** True when `addr` lies in `cidr`; false for different families. */
export function cidrContainsAddress(cidr: IpCidr, addr: IpAddress): boolean {
  if (cidr.family !== addr.family) return false;
  return sameBytes(masked(addr.bytes, cidr.prefix), cidr.bytes);
}

/** Orders IPv4 before IPv6, then by numeric value: a total order for sorting. */
export function compareAddresses(a: IpAddress, b: IpAddress): number {
  if (a.family !== b.family) return a.family === "ipv4" ? -1 : 1;
  for (let i = 0; i < a.bytes.length; i++) {
    const d = (a.bytes[i] ?? 0) - (b.bytes[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** Orders CIDRs by family, network and then prefix length. */
export function compareCidrs(a: IpCidr, b: IpCidr): number {
  const byAddress = compareAddresses(
    { family: a.family, bytes: a.bytes, text: "" },
    { family: b.family, bytes: b.bytes, text: "" },
  );
  return byAddress !== 0 ? byAddress : a.prefix - b.prefix;
}

/**
 * Why `addr` cannot be a VIP, an endpoint or a policy target, or null when it can:
 * unspecified, loopback, multicast, broadcast, reserved (240.0.0.0/4), "this network"
 * (0.0.0.0/8) and IPv4-mapped IPv6 addresses (a kernel never sees IPv4 traffic as
 * ::ffff:a.b.c.d, so rules for them would silently never match).
 */
export function specialUseOf(addr: IpAddress): string | null {
  const b = addr.bytes;
  const first = b[0] ?? 0;
  if (addr.family === "ipv4") {
    if (first === 0) return "is in 0.0.0.0/8 (this network)";
    if (first === 127) return "is a loopback address";
    if (first >= 224 && first <= 239) return "is a multicast address";
    if (first >= 240) {
      return b.every((x) => x === 255)
        ? "is the broadcast address"
        : "is in the reserved 240.0.0.0/4";
    }
    return null;
  }
  if (isV4Mapped(addr)) {
    return `is an ipv4-mapped address; use the ipv4 address "${Array.from(b.subarray(12)).join(".")}"`;
  }
  if (first === 0xff) return "is a multicast address";
  if (first !== 0) return null;
  for (let i = 1; i < 15; i++) if (b[i] !== 0) return null;
  if (b[15] === 0) return "is the unspecified address";
  if (b[15] === 1) return "is a loopback address";
  return null;
}
