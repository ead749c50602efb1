// Validation of a whole inventory document (the declarative file and the control
// plane's bulk sync): services with inline endpoints, and policies.
//
// Beyond each object's own rules it checks what only the whole can show:
// - service ids and policy ids are unique;
// - no two services serve the same VIP, protocol and port (across all groups: a
//   VIP:port belongs to one service fleet-wide, so moving a service between groups
//   can never make two gateways answer for it);
// - no endpoint address is a VIP of any service (DNAT to a VIP would loop);
// - every endpoint's family matches one of its service's VIPs.
import {
  at,
  field,
  isAbsent,
  ProblemList,
  quote,
  readList,
  readObject,
  validation,
  type Validation,
} from "./input.ts";
import { MAX_INVENTORY_ENDPOINTS, MAX_POLICIES, MAX_SERVICES } from "./limits.ts";
import type { EndpointsSpec, Inventory, PolicySpec, ServiceSpec } from "./model.ts";
import {
  checkEndpointFamilies,
  readEndpointList,
  type ReadEndpoint,
} from "./validate-endpoints.ts";
import { readPolicy } from "./validate-policy.ts";
import { portKey, readService, type ReadServiceResult } from "./validate-service.ts";

const INVENTORY_FIELDS: readonly string[] = ["services", "policies"];

interface ReadEntry {
  readonly index: number;
  readonly service: ReadServiceResult;
  readonly endpoints: readonly ReadEndpoint[];
}

/** Reads the services with their inline endpoints; entries that fail are left out. */
function readServices(value: unknown, problems: ProblemList): ReadEntry[] {
  if (isAbsent(value)) return [];
  const list = readList(value, "services", problems, "services", 0, MAX_SERVICES);
  if (list === null) return [];
  let total = 0;
  for (const s of list) {
    const eps =
      typeof s === "object" && s !== null
        ? field(s as Record<string, unknown>, "endpoints")
        : undefined;
    if (Array.isArray(eps)) total += eps.length;
  }
  if (total > MAX_INVENTORY_ENDPOINTS) {
    problems.add(
      "services",
      `has ${total} endpoints in all; at most ${MAX_INVENTORY_ENDPOINTS} allowed`,
    );
    return [];
  }
  const out: ReadEntry[] = [];
  list.forEach((raw, i) => {
    const path = at("services", i);
    const service = readService(raw, path, problems, ["endpoints"]);
    const rawEndpoints =
      typeof raw === "object" && raw !== null
        ? field(raw as Record<string, unknown>, "endpoints")
        : undefined;
    const endpoints = isAbsent(rawEndpoints)
      ? []
      : readEndpointList(rawEndpoints, at(path, "endpoints"), problems);
    if (service === null || endpoints === null) return;
    checkEndpointFamilies(service.spec, endpoints, at(path, "endpoints"), problems);
    out.push({ index: i, service, endpoints });
  });
  return out;
}

/** Duplicate ids, VIP:port claimed twice, endpoints that are VIPs. */
function checkServicesTogether(entries: readonly ReadEntry[], problems: ProblemList): void {
  const ids = new Map<string, number>();
  const claims = new Map<string, { index: number; id: string }>();
  const vipOwners = new Map<string, string>();
  for (const { index, service } of entries) {
    const { spec } = service;
    const path = at("services", index);
    const first = ids.get(spec.id);
    if (first === undefined) ids.set(spec.id, index);
    else
      problems.add(
        at(path, "id"),
        `${quote(spec.id)} is already the id of ${at("services", first)}`,
      );
    for (const vip of spec.vips) {
      if (!vipOwners.has(vip)) vipOwners.set(vip, spec.id);
      for (const p of spec.ports) {
        const key = `${vip} ${portKey(p.protocol, p.port)}`;
        const owner = claims.get(key);
        if (owner === undefined) {
          claims.set(key, { index, id: spec.id });
          continue;
        }
        const portPath = at(
          at(path, "ports"),
          service.portIndex.get(portKey(p.protocol, p.port)) ?? 0,
        );
        problems.add(
          portPath,
          `${portKey(p.protocol, p.port)} on vip ${quote(vip)} is already served by service ${quote(owner.id)} (${at("services", owner.index)})`,
        );
      }
    }
  }
  for (const { index, endpoints } of entries) {
    for (const e of endpoints) {
      const owner = vipOwners.get(e.endpoint.address);
      if (owner === undefined) continue;
      const path = at(at(at(at("services", index), "endpoints"), e.index), "address");
      problems.add(path, `${quote(e.endpoint.address)} is a vip of service ${quote(owner)}`);
    }
  }
}

/** Reads the policies and checks that their ids are unique. */
function readPolicies(value: unknown, problems: ProblemList): PolicySpec[] {
  if (isAbsent(value)) return [];
  const list = readList(value, "policies", problems, "policies", 0, MAX_POLICIES);
  if (list === null) return [];
  const ids = new Map<string, number>();
  const out: PolicySpec[] = [];
  list.forEach((raw, i) => {
    const policy = readPolicy(raw, at("policies", i), problems);
    if (policy === null) return;
    const first = ids.get(policy.id);
    if (first !== undefined) {
      problems.add(
        at(at("policies", i), "id"),
        `${quote(policy.id)} is already the id of ${at("policies", first)}`,
      );
      return;
    }
    ids.set(policy.id, i);
    out.push(policy);
  });
  return out;
}

function byId(a: { id: string }, b: { id: string }): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/**
 * Validates an inventory document `{services?: [...], policies?: [...]}` already
 * parsed from YAML or JSON. Never throws. Returns the canonical Inventory (services,
 * one EndpointsSpec per service, even an empty one, and policies; each sorted by id)
 * or every problem with paths like `services[2].endpoints[0].address`. An empty
 * document (`{}`) is a valid empty inventory; anything but an object is a problem.
 */
export function validateInventory(input: unknown): Validation<Inventory> {
  const problems = new ProblemList();
  const obj = readObject(input, "", problems, "an inventory", INVENTORY_FIELDS);
  if (obj === null) return validation<Inventory>(null, problems);
  const entries = readServices(field(obj, "services"), problems);
  checkServicesTogether(entries, problems);
  const policies = readPolicies(field(obj, "policies"), problems);
  if (problems.count > 0) return validation<Inventory>(null, problems);
  const services: ServiceSpec[] = entries.map((e) => e.service.spec).sort(byId);
  const endpoints: EndpointsSpec[] = entries
    .map((e) => ({
      serviceId: e.service.spec.id,
      group: e.service.spec.group,
      endpoints: e.endpoints.map((x) => x.endpoint),
    }))
    .sort((a, b) => byId({ id: a.serviceId }, { id: b.serviceId }));
  return validation({ services, endpoints, policies: policies.sort(byId) }, problems);
}
