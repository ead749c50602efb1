// The audit queries over HTTP, for the control plane's router (read-only, GET):
//
//   GET /v1/audit/history/:kind/:id
//   GET /v1/audit/state?at=&group=
//   GET /v1/audit/render?at=&group=&<gateway setting>=…   (the seed's kebab-case keys)
//   GET /v1/audit/diff?from=&to=&group=&<gateway setting>=…
//   GET /v1/audit/verify
//   GET /v1/audit/status?at=
//
// Answers are the JSON of services/audit/results.ts. A replay is CPU work on the
// server's event loop, so at most `maxConcurrent` run at once; more get 503 `busy`
// with Retry-After.
import { formatPoint, parsePoint, type LogPoint } from "../../libs/audit/point.ts";
import { isBusError } from "../../libs/bus/errors.ts";
import { isDnsLabel } from "../../libs/domain/input.ts";
import type { Problem } from "../../libs/domain/model.ts";
import {
  HttpError,
  type HttpRequest,
  type HttpResponse,
  type Router,
} from "../../libs/http/router.ts";
import {
  SETTINGS_KEYS,
  validateGatewaySettings,
  type GatewaySettings,
} from "../../libs/nft/settings.ts";
import { isAuditError } from "./errors.ts";
import type { AuditDeps } from "./event-log.ts";
import { jetStreamAuditQueries, type AuditQueries } from "./queries.ts";

export interface AuditRouteOptions {
  /** Audit replays running at once (default 1); more are refused with 503. */
  readonly maxConcurrent?: number;
  /** Seconds a refused client should wait (Retry-After, default 5). */
  readonly retryAfterSeconds?: number;
}

const STATUS_OF_CODE: Readonly<Record<string, number>> = {
  invalid_argument: 400,
  not_found: 404,
  render_failed: 422,
  busy: 503,
};

function bad(path: string, message: string): HttpError {
  return new HttpError(400, "invalid_argument", `${path}: ${message}`, [{ path, message }]);
}

/** The point in query parameter `name`; 400 naming the parameter when absent or bad. */
export function pointParam(query: URLSearchParams, name: string): LogPoint {
  const text = query.get(name);
  if (text === null || text === "") throw bad(name, "is required (a time or a sequence)");
  const r = parsePoint(text, name);
  if (!r.ok) throw bad(r.problem.path, r.problem.message);
  return r.point;
}

function groupParam(query: URLSearchParams): string | null {
  const group = query.get("group");
  if (group === null || group === "") return null;
  if (!isDnsLabel(group)) throw bad("group", `${JSON.stringify(group)} is not a dns label`);
  return group;
}

/**
 * Gateway settings from query parameters named with the seed's keys
 * (`nat-table-name=…`, `enable-snat=false`, `fwmark-bits=0x4`); absent keys take the
 * defaults. Unknown settings-like keys are not guessed: only SETTINGS_KEYS are read.
 */
export function settingsParams(query: URLSearchParams): GatewaySettings {
  const raw: Record<string, unknown> = {};
  for (const key of Object.keys(SETTINGS_KEYS)) {
    const v = query.get(key);
    if (v === null) continue;
    raw[key] = key === "enable-snat" ? (v === "true" ? true : v === "false" ? false : v) : v;
  }
  const r = validateGatewaySettings(raw);
  if (r.ok) return r.value;
  const problems: readonly Problem[] = r.problems;
  throw new HttpError(400, "invalid_argument", "gateway settings are invalid", problems);
}

/** Maps query failures to HTTP errors; anything else is rethrown (500). */
function httpErrorOf(err: unknown): unknown {
  if (err instanceof HttpError) return err;
  if (isAuditError(err))
    return new HttpError(STATUS_OF_CODE[err.code] ?? 500, err.code, err.message);
  if (isBusError(err))
    return new HttpError(503, "log_unavailable", `the event log cannot be read: ${err.message}`);
  return err;
}

/** One audit route: what the control plane's route table needs (all are GET, no body). */
export interface AuditRoute {
  readonly method: "GET";
  readonly pattern: string;
  readonly handler: (req: HttpRequest) => Promise<HttpResponse>;
}

/**
 * The audit routes, answering from JetStream through `deps` (or from `queries`, for
 * tests), for a route table; `registerAuditRoutes` puts them on a Router. Handlers
 * never write anything.
 */
export function auditRoutes(
  deps: AuditDeps,
  options: AuditRouteOptions = {},
  queries: AuditQueries = jetStreamAuditQueries(deps),
): AuditRoute[] {
  const max = options.maxConcurrent ?? 1;
  const retryAfter = String(options.retryAfterSeconds ?? 5);
  let running = 0;
  const guarded =
    (answer: (req: HttpRequest) => Promise<unknown>) =>
    async (req: HttpRequest): Promise<HttpResponse> => {
      if (running >= max)
        return {
          status: 503,
          headers: { "retry-after": retryAfter },
          body: {
            error: {
              code: "busy",
              message: `${running} audit replay(s) running; retry in ${retryAfter} s`,
            },
          },
        };
      running++;
      try {
        return { status: 200, body: await answer(req) };
      } catch (err) {
        throw httpErrorOf(err);
      } finally {
        running--;
      }
    };
  const route = (pattern: string, answer: (req: HttpRequest) => Promise<unknown>): AuditRoute => ({
    method: "GET",
    pattern,
    handler: guarded(answer),
  });
  return [
    route("/v1/audit/history/:kind/:id", (req) =>
      queries.history(req.params["kind"] ?? "", req.params["id"] ?? ""),
    ),
    route("/v1/audit/state", (req) =>
      queries.state(pointParam(req.query, "at"), groupParam(req.query)),
    ),
    route("/v1/audit/render", (req) =>
      queries.render(pointParam(req.query, "at"), groupParam(req.query), settingsParams(req.query)),
    ),
    route("/v1/audit/diff", (req) =>
      queries.diff(
        pointParam(req.query, "from"),
        pointParam(req.query, "to"),
        groupParam(req.query),
        settingsParams(req.query),
      ),
    ),
    route("/v1/audit/verify", () => queries.verify()),
    route("/v1/audit/status", async (req) => {
      const at = pointParam(req.query, "at");
      if ("seq" in at)
        throw bad("at", `${formatPoint(at)} is a sequence; status takes a time (rfc 3339)`);
      return queries.status(at.time);
    }),
  ];
}

/** Registers `auditRoutes(deps, options, queries)` on `router` and returns it. */
export function registerAuditRoutes(
  router: Router,
  deps: AuditDeps,
  options: AuditRouteOptions = {},
  queries: AuditQueries = jetStreamAuditQueries(deps),
): Router {
  for (const r of auditRoutes(deps, options, queries)) router.on(r.method, r.pattern, r.handler);
  return router;
}
