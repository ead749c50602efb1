// GET /v1/status and GET /v1/status/services/:id: gateways, their lag, and which of
// them run each service's current state.
import { isDnsLabel } from "../../../libs/domain/input.ts";
import type { HttpRequest, HttpResponse } from "../../../libs/http/router.ts";
import { HttpError } from "../../../libs/http/router.ts";
import { gatewayStatuses, rolloutOf, type GatewayStatus } from "../gateway-status.ts";
import type { ApiDeps } from "./deps.ts";
import { flagOf } from "./request-meta.ts";

function currentSeq(deps: ApiDeps, id: string): number {
  return Math.max(deps.view.service(id)?.seq ?? 0, deps.view.endpoints(id)?.seq ?? 0);
}

export function statusHandlers(deps: ApiDeps) {
  const gateways = (): GatewayStatus[] =>
    gatewayStatuses(
      deps.status.records(),
      deps.view,
      deps.now(),
      deps.settings.heartbeatIntervalMs,
    );
  return {
    getStatus: (req: HttpRequest): HttpResponse => {
      const withServices = flagOf(req, "services", true);
      const all = gateways();
      const groupNames = new Set([...deps.view.groups(), ...all.map((g) => g.group)]);
      const groups = [...groupNames].sort().map((group) => {
        const mine = all.filter((g) => g.group === group);
        const live = mine.filter((g) => g.live);
        const headSeq = deps.view.headOf(group);
        return {
          group,
          headSeq,
          gateways: mine.length,
          live: live.length,
          upToDate: live.filter((g) => g.appliedSeq >= headSeq).length,
        };
      });
      const services = withServices
        ? [...deps.view.services()]
            .filter((r) => r.spec !== null)
            .sort((a, b) => (a.id < b.id ? -1 : 1))
            .map((r) => {
              const ro = rolloutOf(
                { id: r.id, group: r.group, version: r.version, seq: currentSeq(deps, r.id) },
                all,
              );
              return { ...ro, current: ro.current.length };
            })
        : undefined;
      return {
        status: 200,
        body: {
          now: deps.now(),
          heartbeatIntervalMs: deps.settings.heartbeatIntervalMs,
          headSeq: deps.view.position,
          groups,
          gateways: all,
          ...(services !== undefined ? { services } : {}),
        },
      };
    },
    getServiceStatus: (req: HttpRequest): HttpResponse => {
      const id = req.params["id"] ?? "";
      const r = isDnsLabel(id) ? deps.view.service(id) : undefined;
      if (r?.spec == null)
        throw new HttpError(
          404,
          "not_found",
          `service ${JSON.stringify(id.slice(0, 64))} does not exist`,
        );
      const all = gateways();
      const ro = rolloutOf(
        { id: r.id, group: r.group, version: r.version, seq: currentSeq(deps, r.id) },
        all,
      );
      return {
        status: 200,
        body: { ...ro, gateways: all.filter((g) => g.group === r.group) },
      };
    },
  };
}
