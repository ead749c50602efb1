// `lbaas history`, `lbaas state --at`, `lbaas diff`, `lbaas audit verify` and
// `lbaas status --at`: audit through event replay (services/audit). Human output by
// default, `-o json` for machines (the JSON of services/audit/results.ts).
import { formatProblem } from "../../libs/domain/errors.ts";
import { loadGatewayConfig } from "./inventory-file.ts";
import { pointFlag, type AuditOptions } from "./audit-options.ts";
import { formatHistory, formatStatusAt, formatVerify } from "./audit-format-log.ts";
import { formatDiff, formatState } from "./audit-format-state.ts";
import { processAuditEnv, runAudit, UsageProblem, type AuditEnv } from "./audit-run.ts";
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, type CliIo } from "./io.ts";
import { runControlPlaneCommand } from "./main.ts";
import type { LogPoint } from "../../libs/audit/point.ts";
import type { GatewaySettings } from "../../libs/nft/settings.ts";

const SOURCE = "[-o json] [--nats URL | --server URL]";
export const HISTORY_USAGE = `lbaas history service|endpoints|policy ID ${SOURCE}`;
export const STATE_USAGE = `lbaas state --at TIME|SEQ [--group NAME] ${SOURCE}`;
export const DIFF_USAGE = `lbaas diff --from TIME|SEQ --to TIME|SEQ [--group NAME] [--gateway-config FILE] ${SOURCE}`;
export const AUDIT_USAGE = `lbaas audit verify ${SOURCE}   (exit 0 pass, 1 anomalies, 2 usage)`;
export const STATUS_USAGE = `lbaas status --at TIME ${SOURCE}   (without --at: the control plane's live view)`;

const json = (v: unknown): string => `${JSON.stringify(v, null, 2)}\n`;

/** The point of `--flag`, or a UsageProblem naming the flag and value. */
export function pointOf(options: AuditOptions, flag: "at" | "from" | "to"): LogPoint {
  const r = pointFlag(options.values[flag], flag);
  if ("error" in r) throw new UsageProblem(r.error);
  return r.point;
}

function noPositionals(options: AuditOptions): void {
  const extra = options.positionals[0];
  if (extra !== undefined) throw new UsageProblem(`unexpected argument ${JSON.stringify(extra)}`);
}

/** Gateway settings from `--gateway-config` (defaults without it); usage problem when invalid. */
export async function settingsOf(options: AuditOptions): Promise<GatewaySettings> {
  const file = options.values.gatewayConfig;
  const r = await loadGatewayConfig(file);
  if (!r.ok)
    throw new UsageProblem(r.problems.map((p) => `${file}: ${formatProblem(p)}`).join("; "));
  return r.value;
}

/** Runs `history KIND ID`. */
export function runHistory(
  argv: readonly string[],
  io: CliIo,
  aenv: AuditEnv = processAuditEnv(),
): Promise<number> {
  const check = (o: AuditOptions): void => {
    if (o.positionals.length !== 2)
      throw new UsageProblem("needs a kind (service, endpoints, policy) and an id");
  };
  return runAudit("history", HISTORY_USAGE, argv, io, [], aenv, check, async (q, o, read) => {
    const [kind, id] = o.positionals as [string, string];
    const h = await q.history(kind, id, read);
    io.stdout(o.output === "json" ? json(h) : formatHistory(h));
    return EXIT_OK;
  });
}

/** Runs `state --at POINT`. */
export function runState(
  argv: readonly string[],
  io: CliIo,
  aenv: AuditEnv = processAuditEnv(),
): Promise<number> {
  const check = (o: AuditOptions): void => {
    noPositionals(o);
    pointOf(o, "at");
  };
  return runAudit(
    "state",
    STATE_USAGE,
    argv,
    io,
    ["at", "group"],
    aenv,
    check,
    async (q, o, read) => {
      const s = await q.state(pointOf(o, "at"), o.values.group ?? null, read);
      io.stdout(o.output === "json" ? json(s) : formatState(s));
      return EXIT_OK;
    },
  );
}

/** Runs `diff --from POINT --to POINT`. */
export function runDiff(
  argv: readonly string[],
  io: CliIo,
  aenv: AuditEnv = processAuditEnv(),
): Promise<number> {
  const check = (o: AuditOptions): void => {
    noPositionals(o);
    pointOf(o, "from");
    pointOf(o, "to");
  };
  const extra = ["from", "to", "group", "gateway-config"] as const;
  return runAudit("diff", DIFF_USAGE, argv, io, extra, aenv, check, async (q, o, read) => {
    const settings = await settingsOf(o);
    const d = await q.diff(
      pointOf(o, "from"),
      pointOf(o, "to"),
      o.values.group ?? null,
      settings,
      read,
    );
    io.stdout(o.output === "json" ? json(d) : formatDiff(d));
    return EXIT_OK;
  });
}

/** Runs `audit verify`: exit 0 when the stream passes, 1 when anything was found. */
export function runAuditCommand(
  argv: readonly string[],
  io: CliIo,
  aenv: AuditEnv = processAuditEnv(),
): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub !== "verify") {
    io.stderr(
      `lbaas audit: ${sub === undefined ? "needs a subcommand" : `unknown subcommand ${JSON.stringify(sub)}`}\nusage: ${AUDIT_USAGE}\n`,
    );
    return Promise.resolve(EXIT_USAGE);
  }
  return runAudit(
    "audit verify",
    AUDIT_USAGE,
    rest,
    io,
    [],
    aenv,
    noPositionals,
    async (q, o, read) => {
      const r = await q.verify(read);
      io.stdout(o.output === "json" ? json(r) : formatVerify(r));
      return r.ok ? EXIT_OK : EXIT_FAILED;
    },
  );
}

/** Runs `status --at TIME` (status stream replay); without --at, the control plane's live view. */
export function runStatus(
  argv: readonly string[],
  io: CliIo,
  aenv: AuditEnv = processAuditEnv(),
): Promise<number> {
  if (!argv.some((a) => a === "--at" || a.startsWith("--at=")))
    return runControlPlaneCommand(["status", ...argv]);
  const check = (o: AuditOptions): void => {
    noPositionals(o);
    if ("seq" in pointOf(o, "at"))
      throw new UsageProblem(
        `--at: ${JSON.stringify(o.values.at)} is a sequence; status --at takes a time (rfc 3339)`,
      );
  };
  return runAudit("status", STATUS_USAGE, argv, io, ["at"], aenv, check, async (q, o, read) => {
    const at = pointOf(o, "at") as { time: number };
    const s = await q.status(at.time, read);
    io.stdout(o.output === "json" ? json(s) : formatStatusAt(s));
    return EXIT_OK;
  });
}
