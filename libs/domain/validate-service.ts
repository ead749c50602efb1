// Validation of a service: untrusted input → canonical ServiceSpec, or every problem.
import {
  at,
  field,
  isAbsent,
  ProblemList,
  quote,
  readDnsLabel,
  readEnum,
  readInteger,
  readList,
  readObject,
  optionalField,
  requiredField,
  validation,
  type Validation,
} from "./input.ts";
import {
  DEFAULT_AFFINITY_SECONDS,
  MAX_AFFINITY_SECONDS,
  MAX_PORTS,
  MAX_SOURCE_RANGES,
  MAX_VIPS,
  MIN_AFFINITY_SECONDS,
} from "./limits.ts";
import {
  DEFAULT_GROUP,
  PROTOCOLS,
  SCHEDULERS,
  type Protocol,
  type ServicePort,
  type ServiceSpec,
  type SessionAffinity,
} from "./model.ts";
import { readAddressSet, readCidrSet } from "./validate-address.ts";

/** The fields a service may have; anything else is an error. */
export const SERVICE_FIELDS: readonly string[] = [
  "id",
  "group",
  "vips",
  "ports",
  "scheduler",
  "sourceRanges",
  "sessionAffinity",
  "snat",
];
const PORT_FIELDS: readonly string[] = ["protocol", "port", "targetPort"];
const AFFINITY_FIELDS: readonly string[] = ["timeoutSeconds"];

/** `tcp/80`: how a protocol and port are named in messages and as map keys. */
export function portKey(protocol: Protocol, port: number): string {
  return `${protocol}/${port}`;
}

/** A port number 1-65535. */
export function readPort(value: unknown, path: string, problems: ProblemList): number | null {
  return readInteger(value, path, problems, "a port", 1, 65535);
}

/** A service or policy id. */
export function readId(value: unknown, path: string, problems: ProblemList): string | null {
  return readDnsLabel(value, path, problems, "an id");
}

/** A gateway group name. */
export function readGroup(value: unknown, path: string, problems: ProblemList): string | null {
  return readDnsLabel(value, path, problems, "a group");
}

/** A protocol; absent means tcp. */
export function readProtocol(value: unknown, path: string, problems: ProblemList): Protocol | null {
  return isAbsent(value) ? "tcp" : readEnum(value, path, problems, "a protocol", PROTOCOLS);
}

/** Orders ports by protocol (tcp, udp, sctp) then number. */
export function comparePorts(
  a: { protocol: Protocol; port: number | null },
  b: { protocol: Protocol; port: number | null },
): number {
  const byProtocol = PROTOCOLS.indexOf(a.protocol) - PROTOCOLS.indexOf(b.protocol);
  return byProtocol !== 0 ? byProtocol : (a.port ?? 0) - (b.port ?? 0);
}

function readServicePort(value: unknown, path: string, problems: ProblemList): ServicePort | null {
  const before = problems.count;
  const obj = readObject(value, path, problems, "a service port", PORT_FIELDS);
  if (obj === null) return null;
  const protocol = readProtocol(field(obj, "protocol"), at(path, "protocol"), problems);
  const port = requiredField(obj, "port", path, problems, readPort);
  const targetPort = optionalField(obj, "targetPort", path, problems, port, readPort);
  if (problems.count > before || protocol === null || port === null || targetPort === null) {
    return null;
  }
  return { protocol, port, targetPort };
}

/** Ports sorted, and where each `tcp/80` key was in the input. */
function readServicePorts(
  value: unknown,
  path: string,
  problems: ProblemList,
): { ports: ServicePort[]; inputIndex: Map<string, number> } | null {
  const list = readList(value, path, problems, "ports", 1, MAX_PORTS);
  if (list === null) return null;
  const before = problems.count;
  const seen = new Map<string, number>();
  const ports: ServicePort[] = [];
  list.forEach((raw, i) => {
    const p = readServicePort(raw, at(path, i), problems);
    if (p === null) return;
    const key = portKey(p.protocol, p.port);
    const first = seen.get(key);
    if (first !== undefined) {
      problems.add(at(path, i), `${key} is already declared by ${at(path, first)}`);
      return;
    }
    seen.set(key, i);
    ports.push(p);
  });
  if (problems.count > before) return null;
  return { ports: ports.sort(comparePorts), inputIndex: seen };
}

/**
 * Session affinity: absent, null or "none" → null; "client-ip" or `{}` → the default
 * timeout (10800 s); `{timeoutSeconds: n}` with n in 1-86400.
 */
function readAffinity(
  value: unknown,
  path: string,
  problems: ProblemList,
): SessionAffinity | null | undefined {
  if (isAbsent(value) || value === "none") return null;
  if (value === "client-ip") return { timeoutSeconds: DEFAULT_AFFINITY_SECONDS };
  if (typeof value !== "object" || Array.isArray(value)) {
    problems.add(
      path,
      `${quote(value)} is not a session affinity (null, "none", "client-ip" or {timeoutSeconds})`,
    );
    return undefined;
  }
  const obj = readObject(value, path, problems, "a session affinity", AFFINITY_FIELDS);
  if (obj === null) return undefined;
  const raw = field(obj, "timeoutSeconds");
  if (isAbsent(raw)) return { timeoutSeconds: DEFAULT_AFFINITY_SECONDS };
  const p = at(path, "timeoutSeconds");
  const t = readInteger(
    raw,
    p,
    problems,
    "a timeout in seconds",
    MIN_AFFINITY_SECONDS,
    MAX_AFFINITY_SECONDS,
  );
  return t === null ? undefined : { timeoutSeconds: t };
}

/** SNAT override: a boolean, or absent/null to inherit the gateway setting. */
function readSnat(value: unknown, path: string, problems: ProblemList): boolean | null | undefined {
  if (isAbsent(value)) return null;
  if (typeof value === "boolean") return value;
  problems.add(path, `${quote(value)} is not a snat override (true, false or null to inherit)`);
  return undefined;
}

/** A service read from input, with input positions kept for cross-object problems. */
export interface ReadServiceResult {
  readonly spec: ServiceSpec;
  /** Canonical VIP text → index in the input `vips`. */
  readonly vipIndex: ReadonlyMap<string, number>;
  /** `tcp/80` → index in the input `ports`. */
  readonly portIndex: ReadonlyMap<string, number>;
}

/**
 * Reads a service at `path`, adding problems to `problems`; returns null when any
 * were found. `extraFields` are tolerated and ignored (the inventory's inline
 * `endpoints`).
 */
export function readService(
  input: unknown,
  path: string,
  problems: ProblemList,
  extraFields: readonly string[] = [],
): ReadServiceResult | null {
  const before = problems.count;
  const fields = [...SERVICE_FIELDS, ...extraFields];
  const obj = readObject(input, path, problems, "a service", fields);
  if (obj === null) return null;
  const id = requiredField(obj, "id", path, problems, readId);
  const group = optionalField(obj, "group", path, problems, DEFAULT_GROUP, readGroup);
  const vips = requiredField(obj, "vips", path, problems, (v, p, pr) =>
    readAddressSet(v, p, pr, "vips", 1, MAX_VIPS),
  );
  const ports = requiredField(obj, "ports", path, problems, readServicePorts);
  const scheduler = optionalField(obj, "scheduler", path, problems, "round-robin", (v, p, pr) =>
    readEnum(v, p, pr, "a scheduler", SCHEDULERS),
  );
  const sourceRanges = optionalField(obj, "sourceRanges", path, problems, [], (v, p, pr) =>
    readCidrSet(v, p, pr, "source ranges", 0, MAX_SOURCE_RANGES),
  );
  const sessionAffinity = readAffinity(
    field(obj, "sessionAffinity"),
    at(path, "sessionAffinity"),
    problems,
  );
  const snat = readSnat(field(obj, "snat"), at(path, "snat"), problems);
  if (
    problems.count > before ||
    id === null ||
    group === null ||
    vips === null ||
    ports === null ||
    scheduler === null ||
    sourceRanges === null ||
    sessionAffinity === undefined ||
    snat === undefined
  ) {
    return null;
  }
  return {
    spec: {
      id,
      group,
      vips: vips.sorted.map((a) => a.text),
      ports: ports.ports,
      scheduler,
      sourceRanges: sourceRanges.map((c) => c.text),
      sessionAffinity,
      snat,
    },
    vipIndex: vips.inputIndex,
    portIndex: ports.inputIndex,
  };
}

/**
 * Validates one service. Never throws: returns the canonical spec (defaults filled,
 * addresses canonical, lists sorted) or every problem, with paths under `path`
 * (default: the root, e.g. `ports[0].port`). Unknown fields are problems.
 */
export function validateService(input: unknown, path = ""): Validation<ServiceSpec> {
  const problems = new ProblemList();
  const read = readService(input, path, problems);
  return validation(read?.spec ?? null, problems);
}
