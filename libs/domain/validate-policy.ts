// Validation of a network policy: untrusted input → canonical PolicySpec.
import { cidrContains, compareCidrs, type IpCidr } from "./ip.ts";
import {
  at,
  field,
  isAbsent,
  isRecord,
  ProblemList,
  quote,
  readList,
  readObject,
  optionalField,
  requiredField,
  validation,
  type Validation,
} from "./input.ts";
import {
  MAX_EXCEPT,
  MAX_FROM_BLOCKS,
  MAX_INGRESS_RULES,
  MAX_POLICY_BLOCKS,
  MAX_POLICY_PORTS,
  MAX_TARGETS,
} from "./limits.ts";
import {
  DEFAULT_GROUP,
  type IngressRule,
  type IpBlock,
  type PolicyPort,
  type PolicySpec,
} from "./model.ts";
import { readAddressSet, readCidr } from "./validate-address.ts";
import { readGroup, readId, readPort, readProtocol } from "./validate-service.ts";

/** The fields a policy may have; anything else is an error. */
export const POLICY_FIELDS: readonly string[] = ["id", "group", "targets", "ingress"];
const RULE_FIELDS: readonly string[] = ["from", "ports"];
const BLOCK_FIELDS: readonly string[] = ["cidr", "except"];
const PORT_FIELDS: readonly string[] = ["protocol", "port", "endPort"];

/** Each `except` must be a strict subset of `cidr` (as in Kubernetes NetworkPolicy). */
function readExcept(
  value: unknown,
  cidr: IpCidr,
  path: string,
  problems: ProblemList,
): string[] | null {
  if (isAbsent(value)) return [];
  const list = readList(value, path, problems, "except blocks", 0, MAX_EXCEPT);
  if (list === null) return null;
  const before = problems.count;
  const seen = new Map<string, number>();
  const out: IpCidr[] = [];
  list.forEach((raw, i) => {
    const p = at(path, i);
    const e = readCidr(raw, p, problems);
    if (e === null) return;
    if (e.family !== cidr.family) {
      problems.add(
        p,
        `${quote(raw)} is ${e.family}, but the cidr ${quote(cidr.text)} is ${cidr.family}`,
      );
    } else if (!cidrContains(cidr, e) || e.prefix === cidr.prefix) {
      problems.add(p, `${quote(raw)} is not strictly inside the cidr ${quote(cidr.text)}`);
    } else if (seen.has(e.text)) {
      problems.add(p, `${quote(raw)} is the same cidr as ${at(path, seen.get(e.text) ?? 0)}`);
    } else {
      seen.set(e.text, i);
      out.push(e);
    }
  });
  if (problems.count > before) return null;
  return out.sort(compareCidrs).map((c) => c.text);
}

function readIpBlock(value: unknown, path: string, problems: ProblemList): IpBlock | null {
  const obj = readObject(value, path, problems, "a source block", BLOCK_FIELDS);
  if (obj === null) return null;
  const cidr = requiredField(obj, "cidr", path, problems, readCidr);
  if (cidr === null) return null;
  const except = readExcept(field(obj, "except"), cidr, at(path, "except"), problems);
  return except === null ? null : { cidr: cidr.text, except };
}

function readPolicyPort(value: unknown, path: string, problems: ProblemList): PolicyPort | null {
  const before = problems.count;
  const obj = readObject(value, path, problems, "a policy port", PORT_FIELDS);
  if (obj === null) return null;
  const protocol = readProtocol(field(obj, "protocol"), at(path, "protocol"), problems);
  const port = optionalField(obj, "port", path, problems, null, readPort);
  let endPort = optionalField(obj, "endPort", path, problems, null, readPort);
  if (problems.count > before || protocol === null) return null;
  if (endPort !== null && port === null) {
    problems.add(at(path, "endPort"), `${endPort} needs a "port" (the first port of the range)`);
    return null;
  }
  if (endPort !== null && port !== null && endPort < port) {
    problems.add(at(path, "endPort"), `${endPort} is below port ${port}`);
    return null;
  }
  // {port: 80, endPort: 80} and {port: 80} mean the same: keep one spelling.
  if (endPort === port) endPort = null;
  return { protocol, port, endPort };
}

/** Reads a list field of a rule, where absent or null means the empty list. */
function readRuleList<T>(
  value: unknown,
  path: string,
  problems: ProblemList,
  noun: string,
  max: number,
  read: (v: unknown, p: string, problems: ProblemList) => T | null,
): T[] | null {
  if (isAbsent(value)) return [];
  const list = readList(value, path, problems, noun, 0, max);
  if (list === null) return null;
  const out = list.map((v, i) => read(v, at(path, i), problems));
  return out.every((v) => v !== null) ? out : null;
}

function readIngressRule(value: unknown, path: string, problems: ProblemList): IngressRule | null {
  const obj = readObject(value, path, problems, "an ingress rule", RULE_FIELDS);
  if (obj === null) return null;
  const from = readRuleList(
    field(obj, "from"),
    at(path, "from"),
    problems,
    "source blocks",
    MAX_FROM_BLOCKS,
    readIpBlock,
  );
  const ports = readRuleList(
    field(obj, "ports"),
    at(path, "ports"),
    problems,
    "ports",
    MAX_POLICY_PORTS,
    readPolicyPort,
  );
  return from === null || ports === null ? null : { from, ports };
}

/** Counts source and except blocks without parsing them, to bound the work per policy. */
function countBlocks(ingress: unknown): number {
  if (!Array.isArray(ingress)) return 0;
  let n = 0;
  for (const rule of ingress) {
    const from = isRecord(rule) ? field(rule, "from") : undefined;
    if (!Array.isArray(from)) continue;
    n += from.length;
    for (const block of from) {
      const except = isRecord(block) ? field(block, "except") : undefined;
      if (Array.isArray(except)) n += except.length;
    }
  }
  return n;
}

/**
 * Reads a policy at `path`, adding problems to `problems`; returns null when any
 * were found. `ingress` is required: an empty list denies every load-balanced flow to
 * the targets, which must be said, not implied by a missing field.
 */
export function readPolicy(input: unknown, path: string, problems: ProblemList): PolicySpec | null {
  const before = problems.count;
  const obj = readObject(input, path, problems, "a policy", POLICY_FIELDS);
  if (obj === null) return null;
  const id = requiredField(obj, "id", path, problems, readId);
  const group = optionalField(obj, "group", path, problems, DEFAULT_GROUP, readGroup);
  const targets = requiredField(obj, "targets", path, problems, (v, p, pr) =>
    readAddressSet(v, p, pr, "targets", 1, MAX_TARGETS),
  );
  const ingressPath = at(path, "ingress");
  const rawIngress = field(obj, "ingress");
  let ingress: IngressRule[] | null = null;
  if (rawIngress === undefined) {
    problems.add(ingressPath, "is required (an empty list denies every flow to the targets)");
  } else if (countBlocks(rawIngress) > MAX_POLICY_BLOCKS) {
    problems.add(
      ingressPath,
      `has ${countBlocks(rawIngress)} source and except blocks; at most ${MAX_POLICY_BLOCKS} allowed`,
    );
  } else {
    const list = readList(rawIngress, ingressPath, problems, "ingress rules", 0, MAX_INGRESS_RULES);
    const rules = list?.map((r, i) => readIngressRule(r, at(ingressPath, i), problems));
    if (rules?.every((r) => r !== null)) ingress = rules;
  }
  if (
    problems.count > before ||
    id === null ||
    group === null ||
    targets === null ||
    ingress === null
  ) {
    return null;
  }
  return { id, group, targets: targets.sorted.map((a) => a.text), ingress };
}

/**
 * Validates one policy. Never throws: returns the canonical spec (defaults filled,
 * targets and except blocks canonical and sorted, rules in input order) or every
 * problem, with paths under `path`. Unknown fields are problems.
 */
export function validatePolicy(input: unknown, path = ""): Validation<PolicySpec> {
  const problems = new ProblemList();
  return validation(readPolicy(input, path, problems), problems);
}
