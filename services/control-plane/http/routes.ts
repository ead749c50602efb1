// The route table of the HTTP API: method, path pattern, which body limit applies
// (single object or bulk), handler. The OpenAPI coverage test reads this table.
import type { Handler, HttpRequest, HttpResponse } from "../../../libs/http/router.ts";
import { auditRoutes } from "../../audit/http.ts";
import type { ApiDeps } from "./deps.ts";
import { inventoryHandlers } from "./inventory.ts";
import { objectHandlers } from "./objects.ts";
import { OPENAPI } from "./openapi.ts";
import { statusHandlers } from "./status.ts";

export interface RouteDef {
  readonly method: "GET" | "PUT" | "DELETE";
  readonly pattern: string;
  /** True for the bulk body limit (PUT /v1/inventory). */
  readonly bulk: boolean;
  readonly handler: Handler;
}

function ops(deps: ApiDeps) {
  return {
    healthz: (): HttpResponse => ({ status: 200, body: { status: "ok" } }),
    readyz: async (): Promise<HttpResponse> => {
      const natsConnected = deps.health.natsConnected();
      const streams = natsConnected && (await deps.health.streamsPresent());
      const caughtUp = deps.view.ready;
      const ready = natsConnected && streams && caughtUp;
      return {
        status: ready ? 200 : 503,
        body: { ready, natsConnected, streams, caughtUp, viewSeq: deps.view.followedSeq },
      };
    },
    metrics: async (): Promise<HttpResponse> => {
      deps.metrics.viewSeq.set(deps.view.followedSeq);
      deps.metrics.ready.set(deps.view.ready ? 1 : 0);
      return {
        status: 200,
        text: await deps.metrics.registry.metrics(),
        headers: { "content-type": deps.metrics.registry.contentType },
      };
    },
    openapi: (_req: HttpRequest): HttpResponse => ({ status: 200, body: OPENAPI }),
  };
}

/** Every route of the API, bound to `deps`. */
export function apiRoutes(deps: ApiDeps): RouteDef[] {
  const o = objectHandlers(deps);
  const inv = inventoryHandlers(deps);
  const st = statusHandlers(deps);
  const op = ops(deps);
  const r = (
    method: RouteDef["method"],
    pattern: string,
    handler: Handler,
    bulk = false,
  ): RouteDef => ({
    method,
    pattern,
    handler,
    bulk,
  });
  return [
    r("GET", "/v1/services", o.listServices),
    r("GET", "/v1/services/:id", o.getService),
    r("PUT", "/v1/services/:id", o.putService),
    r("DELETE", "/v1/services/:id", o.deleteService),
    r("GET", "/v1/services/:id/endpoints", o.getEndpoints),
    r("PUT", "/v1/services/:id/endpoints", o.putEndpoints),
    r("DELETE", "/v1/services/:id/endpoints", o.deleteEndpoints),
    r("GET", "/v1/policies", o.listPolicies),
    r("GET", "/v1/policies/:id", o.getPolicy),
    r("PUT", "/v1/policies/:id", o.putPolicy),
    r("DELETE", "/v1/policies/:id", o.deletePolicy),
    r("GET", "/v1/inventory", inv.getInventory),
    r("PUT", "/v1/inventory", inv.putInventory, true),
    r("GET", "/v1/status", st.getStatus),
    r("GET", "/v1/status/services/:id", st.getServiceStatus),
    r("GET", "/v1/openapi.json", op.openapi),
    r("GET", "/healthz", op.healthz),
    r("GET", "/readyz", op.readyz),
    r("GET", "/metrics", op.metrics),
    // Read-only audit through event replay (services/audit); at most one replay at a time.
    ...auditRoutes(deps.audit).map((a) => r(a.method, a.pattern, a.handler)),
  ];
}
