// PUT /v1/inventory (bulk declarative sync, optionally a dry run) and GET /v1/inventory
// (the current desired state in the same document shape).
import { isDnsLabel } from "../../../libs/domain/input.ts";
import { inventoryOf } from "../../../libs/domain/state.ts";
import type { HttpRequest, HttpResponse } from "../../../libs/http/router.ts";
import { HttpError } from "../../../libs/http/router.ts";
import type { PlannedChange } from "../decide/sync.ts";
import { eventRefs, refuse } from "./answers.ts";
import type { ApiDeps } from "./deps.ts";
import { flagOf, stampOf } from "./request-meta.ts";

function groupsOf(req: HttpRequest): string[] {
  const groups = req.query.getAll("group");
  for (const g of groups)
    if (!isDnsLabel(g))
      throw new HttpError(
        400,
        "invalid_query",
        `group: ${JSON.stringify(String(g).slice(0, 64))} is not a group (a dns label)`,
      );
  return groups;
}

function count(changes: readonly PlannedChange[], action: PlannedChange["action"]): number {
  return changes.filter((c) => c.action === action).length;
}

export function inventoryHandlers(deps: ApiDeps) {
  return {
    putInventory: async (req: HttpRequest): Promise<HttpResponse> => {
      const dryRun = flagOf(req, "dryRun", false);
      const prune = flagOf(req, "prune", true);
      const groups = groupsOf(req);
      const stamp = stampOf(req, deps.settings.actorHeader, deps.settings.defaultActor);
      const doc = await req.json();
      const started = performance.now();
      const out = await deps.writer.sync(doc, { prune, groups, dryRun }, stamp);
      if (out.outcome !== "done") {
        if (out.outcome === "invalid")
          deps.metrics.validationFailures.inc({ route: "/v1/inventory" });
        refuse(out, "inventory");
      }
      const actionOf = new Map(
        out.changes.map((c) => [`${c.kind}/${c.id}/${c.version}`, c.action]),
      );
      const events = eventRefs(out.published).map((e) => ({
        ...e,
        action: actionOf.get(`${e.kind}/${e.id}/${e.version}`) ?? "update",
      }));
      const lastSeqByGroup: Record<string, number> = {};
      for (const e of events)
        lastSeqByGroup[e.group] = Math.max(lastSeqByGroup[e.group] ?? 0, e.seq);
      const u = out.unchanged;
      if (!dryRun && events.length > 0)
        deps.logger.child({ requestId: req.requestId }).info(
          {
            events: events.length,
            actor: stamp.actor,
            ms: Math.round(performance.now() - started),
          },
          "inventory synced",
        );
      return {
        status: 200,
        body: {
          dryRun,
          prune,
          scope: out.scope,
          created: count(out.changes, "create"),
          updated: count(out.changes, "update"),
          deleted: count(out.changes, "delete"),
          unchanged: u.service + u.endpoints + u.policy,
          unchangedByKind: u,
          allocations: out.allocations,
          ...(dryRun
            ? {
                plan: out.changes.map(({ action, kind, id, group, version }) => ({
                  action,
                  kind,
                  id,
                  group,
                  version,
                })),
              }
            : { events, lastSeqByGroup }),
        },
      };
    },
    getInventory: (req: HttpRequest): HttpResponse => {
      const g = req.query.get("group");
      if (g !== null && !isDnsLabel(g))
        throw new HttpError(
          400,
          "invalid_query",
          `group: ${JSON.stringify(String(g).slice(0, 64))} is not a group (a dns label)`,
        );
      const services = [...deps.view.services()].filter(
        (r) => r.spec !== null && (g === null || r.group === g),
      );
      const policies = [...deps.view.policies()].filter(
        (r) => r.spec !== null && (g === null || r.group === g),
      );
      const inv = inventoryOf({
        services: new Map(services.map((r) => [r.id, r])),
        endpoints: new Map(
          services.flatMap((r) => {
            const e = deps.view.endpoints(r.id);
            return e === undefined ? [] : [[r.id, e] as const];
          }),
        ),
        policies: new Map(policies.map((r) => [r.id, r])),
        lastSeq: deps.view.position,
        anomalies: [],
        anomaliesDropped: 0,
      });
      return {
        status: 200,
        body: {
          services: inv.services.map((s, i) => ({
            ...s,
            endpoints: inv.endpoints[i]?.endpoints ?? [],
          })),
          policies: inv.policies,
        },
      };
    },
  };
}
