// Handlers of /v1/services, /v1/services/:id/endpoints and /v1/policies.
import type { HttpRequest, HttpResponse } from "../../../libs/http/router.ts";
import { HttpError } from "../../../libs/http/router.ts";
import { isDnsLabel } from "../../../libs/domain/input.ts";
import type { Command } from "../decide/decide.ts";
import type {
  AggregateKind,
  EndpointsSpec,
  PolicySpec,
  ServiceSpec,
} from "../../../libs/domain/model.ts";
import type { Acknowledged } from "../view.ts";
import { eventRefs, refuse, withVersion, type EventRef } from "./answers.ts";
import type { ApiDeps } from "./deps.ts";
import { expectedVersionOf, stampOf } from "./request-meta.ts";

/** The `:id` of a read or delete: a non-label can name nothing (404). */
function idParam(req: HttpRequest): string {
  const id = req.params["id"] ?? "";
  if (isDnsLabel(id)) return id;
  const shown = JSON.stringify(String(id).slice(0, 64));
  throw new HttpError(
    404,
    "not_found",
    `${shown} is not a valid id (a dns label), so nothing has it`,
  );
}

/** The `:id` of a put: validated by the decider, which names the problem (422). */
function rawId(req: HttpRequest): string {
  return req.params["id"] ?? "";
}

function groupFilter(req: HttpRequest): string | null {
  const g = req.query.get("group");
  if (g === null || isDnsLabel(g)) return g;
  const shown = JSON.stringify(String(g).slice(0, 64));
  throw new HttpError(400, "invalid_query", `group: ${shown} is not a group (a dns label)`);
}

async function runWrite(
  deps: ApiDeps,
  req: HttpRequest,
  route: string,
  what: string,
  command: Command,
) {
  const outcome = await deps.writer.write(
    command,
    stampOf(req, deps.settings.actorHeader, deps.settings.defaultActor),
  );
  if (outcome.outcome !== "done") {
    if (outcome.outcome === "invalid") deps.metrics.validationFailures.inc({ route });
    refuse(outcome, what);
  }
  return outcome;
}

/**
 * The log fields of a write that appended events (they join the request's one log
 * line: which events, by whom); undefined when it appended nothing.
 */
function writeLog(
  published: readonly Acknowledged[],
  events: readonly EventRef[],
): Record<string, unknown> | undefined {
  return published.length === 0 ? undefined : { events, actor: published[0]?.event.meta.actor };
}

/** A write's answer: `fields` and the events it appended (also in its log line). */
function writeAnswer(
  status: number,
  version: number,
  fields: Record<string, unknown>,
  published: readonly Acknowledged[],
): HttpResponse {
  const events = eventRefs(published);
  return withVersion(status, version, { ...fields, events }, writeLog(published, events));
}

/** The version and spec an aggregate has after this write's own last event on it, if any. */
function ownState<K extends AggregateKind>(
  published: readonly Acknowledged[],
  kind: K,
  id: string,
): { version: number; spec: SpecOf<K> | null } | null {
  for (let i = published.length - 1; i >= 0; i--) {
    const { event } = published[i] as Acknowledged;
    if (event.meta.kind !== kind || event.meta.id !== id) continue;
    const spec = "spec" in event.body ? (event.body.spec as SpecOf<K>) : null;
    return { version: event.meta.version, spec };
  }
  return null;
}

type SpecOf<K extends AggregateKind> = K extends "service"
  ? ServiceSpec
  : K extends "endpoints"
    ? EndpointsSpec
    : PolicySpec;

interface Listed<S> {
  readonly id: string;
  readonly group: string;
  readonly version: number;
  readonly spec: S | null;
}

/** Live records of `group` (all when null), by id, as `{version, <field>: spec}`. */
function listAnswer<S>(
  records: Iterable<Listed<S>>,
  group: string | null,
  field: string,
): Record<string, unknown>[] {
  return [...records]
    .filter((r) => r.spec !== null && (group === null || r.group === group))
    .sort((a, b) => (a.id < b.id ? -1 : 1))
    .map((r) => ({ version: r.version, [field]: r.spec }));
}

/** One live record as `{version, <field>: spec}` with its ETag; 404 naming it otherwise. */
function getAnswer<S>(record: Listed<S> | undefined, field: string, id: string): HttpResponse {
  if (record?.spec == null)
    throw new HttpError(404, "not_found", `${field} ${JSON.stringify(id)} does not exist`);
  return withVersion(200, record.version, { version: record.version, [field]: record.spec });
}

/** Handlers keyed by route name; routes.ts binds them to methods and paths. */
export function objectHandlers(deps: ApiDeps) {
  const { view } = deps;
  return {
    listServices: (req: HttpRequest): HttpResponse => ({
      status: 200,
      body: { services: listAnswer(view.services(), groupFilter(req), "service") },
    }),
    getService: (req: HttpRequest): HttpResponse => {
      const id = idParam(req);
      return getAnswer(view.service(id), "service", id);
    },
    putService: async (req: HttpRequest): Promise<HttpResponse> => {
      const id = rawId(req);
      const expectedVersion = expectedVersionOf(req);
      const input = await req.json();
      const out = await runWrite(deps, req, "/v1/services/:id", "service", {
        type: "putService",
        id,
        input,
        ...(expectedVersion !== undefined ? { expectedVersion } : {}),
      });
      // From this write's own events: later writes of the same group commit may
      // already have moved the view on.
      const svc = ownState(out.published, "service", id) ?? view.service(id);
      if (svc?.spec == null)
        throw new HttpError(500, "internal", "the written service is not in the view");
      const eps = ownState(out.published, "endpoints", id) ?? view.endpoints(id);
      const events = eventRefs(out.published);
      const body = {
        version: svc.version,
        service: svc.spec,
        changed: out.published.length > 0,
        events,
        allocations: out.allocations,
        endpoints: eps?.spec != null ? { version: eps.version, endpoints: eps.spec } : null,
      };
      const status = out.created.includes(`service/${id}`) ? 201 : 200;
      return withVersion(status, svc.version, body, writeLog(out.published, events));
    },
    deleteService: async (req: HttpRequest): Promise<HttpResponse> => {
      const id = idParam(req);
      const expectedVersion = expectedVersionOf(req);
      const out = await runWrite(deps, req, "/v1/services/:id", "service", {
        type: "deleteService",
        id,
        ...(expectedVersion !== undefined ? { expectedVersion } : {}),
      });
      const version = ownState(out.published, "service", id)?.version ?? 0;
      return writeAnswer(
        200,
        version,
        {
          deleted: true,
          version,
        },
        out.published,
      );
    },
    getEndpoints: (req: HttpRequest): HttpResponse => {
      const id = idParam(req);
      const s = view.service(id);
      if (s?.spec == null)
        throw new HttpError(404, "not_found", `service ${JSON.stringify(id)} does not exist`);
      const r = view.endpoints(id);
      const live = r?.spec ?? null;
      const version = r?.version ?? 0;
      const endpoints = live ?? { serviceId: id, group: s.spec.group, endpoints: [] };
      return withVersion(200, version, { version, endpoints });
    },
    putEndpoints: async (req: HttpRequest): Promise<HttpResponse> => {
      const id = rawId(req);
      const expectedVersion = expectedVersionOf(req);
      const input = await req.json();
      const out = await runWrite(deps, req, "/v1/services/:id/endpoints", "endpoints", {
        type: "putEndpoints",
        serviceId: id,
        input,
        ...(expectedVersion !== undefined ? { expectedVersion } : {}),
      });
      const r = ownState(out.published, "endpoints", id) ?? view.endpoints(id);
      const version = r?.version ?? 0;
      const group = view.service(id)?.group ?? "default";
      const endpoints = r?.spec ?? { serviceId: id, group, endpoints: [] };
      return writeAnswer(
        200,
        version,
        {
          version,
          endpoints,
          changed: out.published.length > 0,
        },
        out.published,
      );
    },
    deleteEndpoints: async (req: HttpRequest): Promise<HttpResponse> => {
      const id = idParam(req);
      const expectedVersion = expectedVersionOf(req);
      const out = await runWrite(deps, req, "/v1/services/:id/endpoints", "endpoints", {
        type: "deleteEndpoints",
        serviceId: id,
        ...(expectedVersion !== undefined ? { expectedVersion } : {}),
      });
      const version = ownState(out.published, "endpoints", id)?.version ?? 0;
      return writeAnswer(
        200,
        version,
        {
          deleted: true,
          version,
        },
        out.published,
      );
    },
    listPolicies: (req: HttpRequest): HttpResponse => ({
      status: 200,
      body: { policies: listAnswer(view.policies(), groupFilter(req), "policy") },
    }),
    getPolicy: (req: HttpRequest): HttpResponse => {
      const id = idParam(req);
      return getAnswer(view.policy(id), "policy", id);
    },
    putPolicy: async (req: HttpRequest): Promise<HttpResponse> => {
      const id = rawId(req);
      const expectedVersion = expectedVersionOf(req);
      const input = await req.json();
      const out = await runWrite(deps, req, "/v1/policies/:id", "policy", {
        type: "putPolicy",
        id,
        input,
        ...(expectedVersion !== undefined ? { expectedVersion } : {}),
      });
      const r = ownState(out.published, "policy", id) ?? view.policy(id);
      if (r?.spec == null)
        throw new HttpError(500, "internal", "the written policy is not in the view");
      const status = out.created.includes(`policy/${id}`) ? 201 : 200;
      return writeAnswer(
        status,
        r.version,
        { version: r.version, policy: r.spec, changed: out.published.length > 0 },
        out.published,
      );
    },
    deletePolicy: async (req: HttpRequest): Promise<HttpResponse> => {
      const id = idParam(req);
      const expectedVersion = expectedVersionOf(req);
      const out = await runWrite(deps, req, "/v1/policies/:id", "policy", {
        type: "deletePolicy",
        id,
        ...(expectedVersion !== undefined ? { expectedVersion } : {}),
      });
      const version = ownState(out.published, "policy", id)?.version ?? 0;
      return writeAnswer(
        200,
        version,
        {
          deleted: true,
          version,
        },
        out.published,
      );
    },
  };
}
