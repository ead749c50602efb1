// Deciders for the service aggregate: put (create or replace, optionally with inline
// endpoints) and delete (which tombstones the endpoints too).
import { field, isAbsent, isRecord, ProblemList, quote } from "../../../libs/domain/input.ts";
import type { EndpointsSpec, ServiceSpec } from "../../../libs/domain/model.ts";
import {
  checkEndpointFamilies,
  readEndpointList,
  type ReadEndpoint,
} from "../../../libs/domain/validate-endpoints.ts";
import { readService } from "../../../libs/domain/validate-service.ts";
import { resolveAutoVips } from "./auto-vips.ts";
import { sameSpec } from "./canonical.ts";
import { checkEndpointAddresses, checkPools, checkVipClaims } from "./cross-check.ts";
import { accept, eventOf, invalid, type Decision, type WriteContext } from "./decision.ts";
import type { DecideConfig, DecisionState } from "./state.ts";

export interface PutService {
  readonly type: "putService";
  /** The id from the URL; the body's `id` may be left out, or must be the same. */
  readonly id: string;
  /** The untrusted body: a service, plus optional inline `endpoints` and `vip` shorthand. */
  readonly input: unknown;
  readonly expectedVersion?: number;
}

export interface DeleteService {
  readonly type: "deleteService";
  readonly id: string;
  readonly expectedVersion?: number;
}

/** Records a problem when the body names another id than the URL; fills it in when absent. */
export function withUrlId(input: unknown, key: string, id: string, problems: ProblemList): unknown {
  if (!isRecord(input)) return input;
  const given = field(input, key);
  if (isAbsent(given)) return { ...input, [key]: id };
  if (given !== id) problems.add(key, `${quote(given)} is not the id in the url (${quote(id)})`);
  return input;
}

/** Records a problem at `limitPath` when there are more endpoints than the setting allows. */
export function checkEndpointLimit(
  count: number,
  config: DecideConfig,
  path: string,
  problems: ProblemList,
): void {
  if (count > config.maxEndpointsPerService)
    problems.add(
      path,
      `has ${count} endpoints; at most ${config.maxEndpointsPerService} allowed (setting limits.endpointsPerService)`,
    );
}

/**
 * Put a service. Returns `version_conflict` when `expectedVersion` is given and is not
 * the current version (0 = never written); `invalid` with every problem (own rules,
 * group change, claims of other services, pools, endpoint rules); otherwise the events
 * (service upsert and/or endpoints replacement; none when nothing changed).
 */
export function decidePutService(
  cmd: PutService,
  state: DecisionState,
  config: DecideConfig,
  ctx: WriteContext,
): Decision {
  const current = state.service(cmd.id);
  const currentVersion = current?.version ?? 0;
  if (cmd.expectedVersion !== undefined && cmd.expectedVersion !== currentVersion)
    return {
      outcome: "version_conflict",
      kind: "service",
      id: cmd.id,
      expectedVersion: cmd.expectedVersion,
      currentVersion,
    };
  const live = current?.spec ?? null;
  const problems = new ProblemList();
  let body = withUrlId(cmd.input, "id", cmd.id, problems);
  let rawEndpoints: unknown;
  if (isRecord(body) && Object.hasOwn(body, "endpoints")) {
    rawEndpoints = body["endpoints"];
    const { endpoints: _dropped, ...rest } = body;
    body = rest;
  }
  const resolved = resolveAutoVips(body, "", problems, {
    pools: config.pools,
    current: live,
    taken: (a) => state.claims.isVip(a) || state.claims.servicesWithEndpoint(a).size > 0,
  });
  const read = readService(resolved.input, "", problems);
  const inline = isAbsent(rawEndpoints)
    ? null
    : readEndpointList(rawEndpoints, "endpoints", problems);
  if (read === null || (!isAbsent(rawEndpoints) && inline === null)) return invalid(problems.items);
  const spec = read.spec;
  if (live !== null && live.group !== spec.group)
    problems.add(
      "group",
      `${quote(spec.group)} is not the group of service ${quote(spec.id)} (${quote(live.group)}); ` +
        `a group cannot change: delete the service and create it again`,
    );
  const replacing = {
    service: (id: string) => id === spec.id,
    endpoints: (id: string) => id === spec.id && inline !== null,
  };
  checkVipClaims(spec, read.vipIndex, "", state.claims, replacing, problems);
  checkPools(spec, read.vipIndex, new Set(live?.vips ?? []), config.pools, "", problems);
  if (inline !== null) {
    checkEndpointFamilies(spec, inline, "endpoints", problems);
    checkEndpointLimit(inline.length, config, "endpoints", problems);
    checkEndpointAddresses(
      spec.id,
      spec.vips,
      inline,
      "endpoints",
      state.claims,
      replacing,
      problems,
    );
  }
  if (problems.count > 0) return invalid(problems.items);

  const events = [];
  const created = live === null ? [`service/${spec.id}`] : [];
  if (live === null || !sameSpec(live, spec))
    events.push(
      eventOf(ctx, "service", spec.id, spec.group, currentVersion + 1, {
        type: "ServiceUpserted",
        spec,
      }),
    );
  if (inline !== null) {
    const ep = endpointsEvent(spec, inline, state, ctx);
    if (ep !== null) events.push(ep);
    if (ep !== null && state.endpoints(spec.id)?.spec == null) created.push(`endpoints/${spec.id}`);
  }
  return accept(events, resolved.allocations, created);
}

/** The EndpointsReplaced event that brings the service's endpoints to `list`, or null when equal. */
export function endpointsEvent(
  service: ServiceSpec,
  list: readonly ReadEndpoint[],
  state: DecisionState,
  ctx: WriteContext,
): ReturnType<typeof eventOf> | null {
  const record = state.endpoints(service.id);
  const spec: EndpointsSpec = {
    serviceId: service.id,
    group: service.group,
    endpoints: list.map((e) => e.endpoint),
  };
  const live = record?.spec ?? null;
  if (live === null ? spec.endpoints.length === 0 : sameSpec(live, spec)) return null;
  return eventOf(ctx, "endpoints", service.id, service.group, (record?.version ?? 0) + 1, {
    type: "EndpointsReplaced",
    spec,
  });
}

/**
 * Delete a service: a ServiceDeleted tombstone, and an EndpointsDeleted tombstone when
 * it has live endpoints. `not_found` when the service is not live; `version_conflict`
 * when `expectedVersion` is given and differs.
 */
export function decideDeleteService(
  cmd: DeleteService,
  state: DecisionState,
  ctx: WriteContext,
): Decision {
  const current = state.service(cmd.id);
  if (current?.spec === null || current === undefined)
    return { outcome: "not_found", kind: "service", id: cmd.id };
  if (cmd.expectedVersion !== undefined && cmd.expectedVersion !== current.version)
    return {
      outcome: "version_conflict",
      kind: "service",
      id: cmd.id,
      expectedVersion: cmd.expectedVersion,
      currentVersion: current.version,
    };
  const events = [
    eventOf(ctx, "service", cmd.id, current.group, current.version + 1, { type: "ServiceDeleted" }),
  ];
  const eps = state.endpoints(cmd.id);
  if (eps !== undefined && eps.spec !== null)
    events.push(
      eventOf(ctx, "endpoints", cmd.id, eps.group, eps.version + 1, { type: "EndpointsDeleted" }),
    );
  return accept(events);
}
