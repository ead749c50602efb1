// Readers for address and CIDR fields: parse, refuse special-use addresses, refuse
// duplicates, and return canonical values sorted for deterministic output.
import {
  compareAddresses,
  compareCidrs,
  parseAddress,
  parseCidr,
  specialUseOf,
  type IpAddress,
  type IpCidr,
} from "./ip.ts";
import { at, quote, readList, type ProblemList } from "./input.ts";

/**
 * An address that can carry load-balanced traffic (a VIP, an endpoint, a policy
 * target): parsed, canonical, and not unspecified/loopback/multicast/broadcast/mapped.
 */
export function readHostAddress(
  value: unknown,
  path: string,
  problems: ProblemList,
): IpAddress | null {
  const parsed = parseAddress(value);
  if (!parsed.ok) {
    problems.add(path, `${quote(value)} ${parsed.reason}`);
    return null;
  }
  const special = specialUseOf(parsed.value);
  if (special !== null) {
    problems.add(path, `${quote(value)} ${special}`);
    return null;
  }
  return parsed.value;
}

/** A CIDR with zero host bits (the problem names the intended network otherwise). */
export function readCidr(value: unknown, path: string, problems: ProblemList): IpCidr | null {
  const parsed = parseCidr(value);
  if (!parsed.ok) {
    problems.add(path, `${quote(value)} ${parsed.reason}`);
    return null;
  }
  return parsed.value;
}

/** Canonical addresses sorted, and where each one was in the input (for later paths). */
export interface AddressSet {
  readonly sorted: readonly IpAddress[];
  readonly inputIndex: ReadonlyMap<string, number>;
}

/**
 * A list of `min`..`max` distinct host addresses. Two spellings of one address
 * ("2001:DB8::1", "2001:db8::1") are duplicates. Returns null after any problem.
 */
export function readAddressSet(
  value: unknown,
  path: string,
  problems: ProblemList,
  noun: string,
  min: number,
  max: number,
): AddressSet | null {
  const list = readList(value, path, problems, noun, min, max);
  if (list === null) return null;
  const before = problems.count;
  const seen = new Map<string, number>();
  const out: IpAddress[] = [];
  list.forEach((raw, i) => {
    const addr = readHostAddress(raw, at(path, i), problems);
    if (addr === null) return;
    const first = seen.get(addr.text);
    if (first !== undefined) {
      problems.add(at(path, i), `${quote(raw)} is the same address as ${at(path, first)}`);
      return;
    }
    seen.set(addr.text, i);
    out.push(addr);
  });
  if (problems.count > before) return null;
  return { sorted: out.sort(compareAddresses), inputIndex: seen };
}

/**
 * A list of `min`..`max` distinct CIDRs, sorted by family, network and prefix. Returns
 * null after any problem.
 */
export function readCidrSet(
  value: unknown,
  path: string,
  problems: ProblemList,
  noun: string,
  min: number,
  max: number,
): readonly IpCidr[] | null {
  const list = readList(value, path, problems, noun, min, max);
  if (list === null) return null;
  const before = problems.count;
  const seen = new Map<string, number>();
  const out: IpCidr[] = [];
  list.forEach((raw, i) => {
    const cidr = readCidr(raw, at(path, i), problems);
    if (cidr === null) return;
    const first = seen.get(cidr.text);
    if (first !== undefined) {
      problems.add(at(path, i), `${quote(raw)} is the same cidr as ${at(path, first)}`);
      return;
    }
    seen.set(cidr.text, i);
    out.push(cidr);
  });
  if (problems.count > before) return null;
  return out.sort(compareCidrs);
}
