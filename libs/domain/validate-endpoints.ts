// Validation of a service's endpoints: untrusted input → canonical EndpointsSpec.
import { compareAddresses, type IpAddress } from "./ip.ts";
import {
  at,
  ProblemList,
  quote,
  readEnum,
  readInteger,
  readList,
  readObject,
  optionalField,
  requiredField,
  validation,
  type Validation,
} from "./input.ts";
import { DEFAULT_WEIGHT, MAX_ENDPOINTS, MAX_WEIGHT, MIN_WEIGHT } from "./limits.ts";
import {
  DEFAULT_GROUP,
  ENDPOINT_STATES,
  type Endpoint,
  type EndpointsSpec,
  type ServiceSpec,
} from "./model.ts";
import { readHostAddress } from "./validate-address.ts";
import { readGroup, readId, readPort } from "./validate-service.ts";

const ENDPOINT_FIELDS: readonly string[] = ["address", "port", "weight", "state"];
const SPEC_FIELDS: readonly string[] = ["serviceId", "group", "endpoints"];

/** An endpoint read from input, with its parsed address and input position. */
export interface ReadEndpoint {
  readonly index: number;
  readonly address: IpAddress;
  readonly endpoint: Endpoint;
}

function readEndpoint(
  value: unknown,
  index: number,
  base: string,
  problems: ProblemList,
): ReadEndpoint | null {
  const before = problems.count;
  const path = at(base, index);
  const obj = readObject(value, path, problems, "an endpoint", ENDPOINT_FIELDS);
  if (obj === null) return null;
  const address = requiredField(obj, "address", path, problems, readHostAddress);
  const port = optionalField(obj, "port", path, problems, null, readPort);
  const weight = optionalField(obj, "weight", path, problems, DEFAULT_WEIGHT, (v, p, pr) =>
    readInteger(v, p, pr, "a weight", MIN_WEIGHT, MAX_WEIGHT),
  );
  const state = optionalField(obj, "state", path, problems, "ready", (v, p, pr) =>
    readEnum(v, p, pr, "an endpoint state", ENDPOINT_STATES),
  );
  if (problems.count > before || address === null || weight === null || state === null) {
    return null;
  }
  return { index, address, endpoint: { address: address.text, port, weight, state } };
}

/** Orders endpoints by address (IPv4 first, numerically) then port (none first). */
function compareRead(a: ReadEndpoint, b: ReadEndpoint): number {
  return compareAddresses(a.address, b.address) || (a.endpoint.port ?? 0) - (b.endpoint.port ?? 0);
}

/**
 * Reads a list of 0..MAX_ENDPOINTS endpoints at `path`. Defaults: weight 1, state
 * ready, port none. The same address and port twice is a problem. Returns the entries
 * sorted by address then port, or null after any problem.
 */
export function readEndpointList(
  value: unknown,
  path: string,
  problems: ProblemList,
): ReadEndpoint[] | null {
  const list = readList(value, path, problems, "endpoints", 0, MAX_ENDPOINTS);
  if (list === null) return null;
  const before = problems.count;
  const seen = new Map<string, number>();
  const out: ReadEndpoint[] = [];
  list.forEach((raw, i) => {
    const e = readEndpoint(raw, i, path, problems);
    if (e === null) return;
    const key = `${e.endpoint.address} ${e.endpoint.port ?? ""}`;
    const first = seen.get(key);
    if (first !== undefined) {
      const what = e.endpoint.port === null ? "address" : "address and port";
      problems.add(
        at(path, i),
        `${quote(e.endpoint.address)} has the same ${what} as ${at(path, first)}`,
      );
      return;
    }
    seen.set(key, i);
    out.push(e);
  });
  if (problems.count > before) return null;
  return out.sort(compareRead);
}

/**
 * Records a problem for every endpoint whose address family matches none of the
 * service's VIPs (an IPv6 backend cannot serve an IPv4-only VIP: the gateway does not
 * translate between families). Paths are `<path>[<input index>].address`.
 */
export function checkEndpointFamilies(
  service: ServiceSpec,
  endpoints: readonly ReadEndpoint[],
  path: string,
  problems: ProblemList,
): void {
  // VIPs are canonical: only IPv6 text contains ":".
  const families = new Set(service.vips.map((v) => (v.includes(":") ? "ipv6" : "ipv4")));
  for (const e of endpoints) {
    if (families.has(e.address.family)) continue;
    const only = families.has("ipv6") ? "ipv6" : "ipv4";
    problems.add(
      at(at(path, e.index), "address"),
      `${quote(e.endpoint.address)} is ${e.address.family}, but service ${quote(service.id)} has only ${only} vips`,
    );
  }
}

/**
 * Validates an endpoints aggregate `{serviceId, group?, endpoints}`. Never throws.
 * When `service` is given, also checks that serviceId and group match it and that
 * each endpoint's family matches one of its VIPs. Returns the canonical spec
 * (sorted, defaults filled) or every problem with its path under `path`.
 */
export function validateEndpoints(
  input: unknown,
  options: { readonly path?: string; readonly service?: ServiceSpec } = {},
): Validation<EndpointsSpec> {
  const path = options.path ?? "";
  const problems = new ProblemList();
  const obj = readObject(input, path, problems, "an endpoints list", SPEC_FIELDS);
  if (obj === null) return validation<EndpointsSpec>(null, problems);
  const idPath = at(path, "serviceId");
  const serviceId = requiredField(obj, "serviceId", path, problems, readId);
  const group = optionalField(obj, "group", path, problems, DEFAULT_GROUP, readGroup);
  const listPath = at(path, "endpoints");
  const endpoints = requiredField(obj, "endpoints", path, problems, readEndpointList);
  const service = options.service;
  if (service !== undefined) {
    if (serviceId !== null && serviceId !== service.id) {
      problems.add(idPath, `${quote(serviceId)} is not the id of service ${quote(service.id)}`);
    }
    if (group !== null && group !== service.group) {
      problems.add(
        at(path, "group"),
        `${quote(group)} is not the group of service ${quote(service.id)} (${quote(service.group)})`,
      );
    }
    if (endpoints !== null) checkEndpointFamilies(service, endpoints, listPath, problems);
  }
  if (serviceId === null || group === null || endpoints === null)
    return validation<EndpointsSpec>(null, problems);
  return validation({ serviceId, group, endpoints: endpoints.map((e) => e.endpoint) }, problems);
}
