// The read-only audit queries as one interface, so the CLI prints the same answers
// whether it reads JetStream itself or asks the control plane's HTTP API.
import type { History } from "../../libs/audit/history.ts";
import type { LogPoint } from "../../libs/audit/point.ts";
import type { StatusAt } from "../../libs/audit/status-at.ts";
import type { GatewaySettings } from "../../libs/nft/settings.ts";
import type { AuditDeps, ReadOptions } from "./event-log.ts";
import { historyOf, statusAtTime, verifyLog } from "./log-queries.ts";
import { diffPoints, renderAt, stateAt } from "./point-queries.ts";
import type { DiffResult, RenderResult, StateResult, VerifyResult } from "./results.ts";

/** Every audit query. `group` null = all groups. Failures: AuditError, transport errors. */
export interface AuditQueries {
  history(kind: string, id: string, opts?: ReadOptions): Promise<History>;
  state(point: LogPoint, group: string | null, opts?: ReadOptions): Promise<StateResult>;
  render(
    point: LogPoint,
    group: string | null,
    settings: GatewaySettings,
    opts?: ReadOptions,
  ): Promise<RenderResult>;
  diff(
    from: LogPoint,
    to: LogPoint,
    group: string | null,
    settings: GatewaySettings,
    opts?: ReadOptions,
  ): Promise<DiffResult>;
  verify(opts?: ReadOptions): Promise<VerifyResult>;
  /** `at` in unix milliseconds. */
  status(at: number, opts?: ReadOptions): Promise<StatusAt>;
}

/** The queries answered by reading JetStream directly (no control plane needed). */
export function jetStreamAuditQueries(deps: AuditDeps): AuditQueries {
  return {
    history: (kind, id, opts) => historyOf(deps, kind, id, opts),
    state: (point, group, opts) => stateAt(deps, point, group, opts),
    render: (point, group, settings, opts) => renderAt(deps, point, group, settings, opts),
    diff: (from, to, group, settings, opts) => diffPoints(deps, from, to, group, settings, opts),
    verify: (opts) => verifyLog(deps, opts),
    status: (at, opts) => statusAtTime(deps, at, opts),
  };
}
