// Deciders for the endpoints aggregate of a service: replace and delete.
import { field, isAbsent, ProblemList, quote, readObject } from "../../../libs/domain/input.ts";
import {
  readEndpointList,
  checkEndpointFamilies,
} from "../../../libs/domain/validate-endpoints.ts";
import { checkEndpointAddresses } from "./cross-check.ts";
import { accept, eventOf, invalid, type Decision, type WriteContext } from "./decision.ts";
import { checkEndpointLimit, endpointsEvent } from "./service.ts";
import type { DecideConfig, DecisionState } from "./state.ts";

export interface PutEndpoints {
  readonly type: "putEndpoints";
  readonly serviceId: string;
  /** `{endpoints: [...]}`; `serviceId` and `group` may be given and must match. */
  readonly input: unknown;
  readonly expectedVersion?: number;
}

export interface DeleteEndpoints {
  readonly type: "deleteEndpoints";
  readonly serviceId: string;
  readonly expectedVersion?: number;
}

const BODY_FIELDS: readonly string[] = ["serviceId", "group", "endpoints"];

/**
 * Replace the endpoints of a live service. `not_found` (kind service) when the service
 * is not live; `version_conflict` when `expectedVersion` differs from the endpoints'
 * version; `invalid` with every problem (own rules, limit, families, VIPs of any
 * service); else one EndpointsReplaced event, or none when nothing changed.
 */
export function decidePutEndpoints(
  cmd: PutEndpoints,
  state: DecisionState,
  config: DecideConfig,
  ctx: WriteContext,
): Decision {
  const service = state.service(cmd.serviceId)?.spec ?? null;
  if (service === null) return { outcome: "not_found", kind: "service", id: cmd.serviceId };
  const record = state.endpoints(cmd.serviceId);
  const currentVersion = record?.version ?? 0;
  if (cmd.expectedVersion !== undefined && cmd.expectedVersion !== currentVersion)
    return {
      outcome: "version_conflict",
      kind: "endpoints",
      id: cmd.serviceId,
      expectedVersion: cmd.expectedVersion,
      currentVersion,
    };
  const problems = new ProblemList();
  const body = readObject(cmd.input, "", problems, "an endpoints list", BODY_FIELDS);
  if (body === null) return invalid(problems.items);
  const id = field(body, "serviceId");
  if (!isAbsent(id) && id !== service.id)
    problems.add("serviceId", `${quote(id)} is not the id in the url (${quote(service.id)})`);
  const group = field(body, "group");
  if (!isAbsent(group) && group !== service.group)
    problems.add(
      "group",
      `${quote(group)} is not the group of service ${quote(service.id)} (${quote(service.group)})`,
    );
  const raw = field(body, "endpoints");
  if (raw === undefined) problems.add("endpoints", "is required");
  const list = raw === undefined ? null : readEndpointList(raw, "endpoints", problems);
  if (list === null || problems.count > 0) return invalid(problems.items);
  checkEndpointFamilies(service, list, "endpoints", problems);
  checkEndpointLimit(list.length, config, "endpoints", problems);
  const replacing = { service: () => false, endpoints: (sid: string) => sid === service.id };
  checkEndpointAddresses(
    service.id,
    service.vips,
    list,
    "endpoints",
    state.claims,
    replacing,
    problems,
  );
  if (problems.count > 0) return invalid(problems.items);
  const event = endpointsEvent(service, list, state, ctx);
  const created = event !== null && record?.spec == null ? [`endpoints/${service.id}`] : [];
  return accept(event === null ? [] : [event], [], created);
}

/**
 * Delete the endpoints of a service (an EndpointsDeleted tombstone; the service stays
 * and refuses new flows). `not_found` (kind endpoints) when there are no live
 * endpoints; `version_conflict` when `expectedVersion` differs.
 */
export function decideDeleteEndpoints(
  cmd: DeleteEndpoints,
  state: DecisionState,
  ctx: WriteContext,
): Decision {
  const record = state.endpoints(cmd.serviceId);
  if (record === undefined || record.spec === null)
    return { outcome: "not_found", kind: "endpoints", id: cmd.serviceId };
  if (cmd.expectedVersion !== undefined && cmd.expectedVersion !== record.version)
    return {
      outcome: "version_conflict",
      kind: "endpoints",
      id: cmd.serviceId,
      expectedVersion: cmd.expectedVersion,
      currentVersion: record.version,
    };
  return accept([
    eventOf(ctx, "endpoints", cmd.serviceId, record.group, record.version + 1, {
      type: "EndpointsDeleted",
    }),
  ]);
}
