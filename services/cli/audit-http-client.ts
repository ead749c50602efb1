// The audit queries over the control plane's HTTP API (GET /v1/audit/...): the
// same answers as reading JetStream directly, for operators without NATS access.
import { pointQuery } from "../../libs/audit/point.ts";
import type { Problem } from "../../libs/domain/model.ts";
import { SETTINGS_KEYS, type GatewaySettings } from "../../libs/nft/settings.ts";
import { AuditError, type AuditErrorCode } from "../audit/errors.ts";
import type { AuditQueries } from "../audit/queries.ts";

/** An error answer of the API that is not one of the audit codes, or no answer at all. */
export class AuditHttpError extends Error {
  override readonly name = "AuditHttpError";
  readonly status: number;
  readonly code: string;
  readonly problems: readonly Problem[];

  constructor(status: number, code: string, message: string, problems: readonly Problem[] = []) {
    super(message);
    this.status = status;
    this.code = code;
    this.problems = problems;
  }
}

const AUDIT_CODES: readonly string[] = ["invalid_argument", "not_found", "render_failed", "busy"];

/** Query parameters of gateway settings, with the seed's keys. */
function settingsQuery(s: GatewaySettings): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, field] of Object.entries(SETTINGS_KEYS)) out[key] = String(s[field]);
  return out;
}

/**
 * AuditQueries answered by `base` (e.g. `http://127.0.0.1:8080`). API refusals
 * with an audit code become AuditError (so the CLI treats them like local ones);
 * others AuditHttpError (status 0, code `unreachable` when there is no answer).
 */
export function httpAuditQueries(base: string): AuditQueries {
  const root = base.replace(/\/+$/, "");
  async function get<T>(path: string, query: Record<string, string | null> = {}): Promise<T> {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== null) params.set(k, v);
    const qs = params.size > 0 ? `?${params.toString()}` : "";
    let res: Response;
    try {
      res = await fetch(`${root}${path}${qs}`, { headers: { accept: "application/json" } });
    } catch (err) {
      const cause =
        err instanceof Error && err.cause instanceof Error ? `: ${err.cause.message}` : "";
      throw new AuditHttpError(0, "unreachable", `cannot reach ${root}${cause}`);
    }
    const text = await res.text();
    let body: unknown = null;
    try {
      body = text === "" ? null : JSON.parse(text);
    } catch {
      body = null;
    }
    if (res.ok && body !== null) return body as T;
    const e = (body as { error?: { code?: string; message?: string; problems?: Problem[] } } | null)
      ?.error;
    const code = e?.code ?? "http_error";
    const message = e?.message ?? `${res.status} ${res.statusText}`;
    if (AUDIT_CODES.includes(code)) throw new AuditError(code as AuditErrorCode, message);
    throw new AuditHttpError(res.status, code, message, e?.problems ?? []);
  }
  return {
    history: (kind, id) =>
      get(`/v1/audit/history/${encodeURIComponent(kind)}/${encodeURIComponent(id)}`),
    state: (point, group) => get("/v1/audit/state", { at: pointQuery(point), group }),
    render: (point, group, settings) =>
      get("/v1/audit/render", { at: pointQuery(point), group, ...settingsQuery(settings) }),
    diff: (from, to, group, settings) =>
      get("/v1/audit/diff", {
        from: pointQuery(from),
        to: pointQuery(to),
        group,
        ...settingsQuery(settings),
      }),
    verify: () => get("/v1/audit/verify"),
    status: (at) => get("/v1/audit/status", { at: new Date(at).toISOString() }),
  };
}
