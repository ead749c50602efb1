// Flags of the audit commands (history, state, render --at, diff, audit verify,
// status --at) and where they read the log from.
//
// Source: an auditor reads the event log itself by default — straight from
// JetStream (`--nats URL`, env NATS_URL, credentials as in libs/bus/connect.ts), so
// the control plane need not be up, and what is shown does not depend on the
// software being audited. `--server URL` (env LBAAS_SERVER) asks the control
// plane's HTTP API (/v1/audit/...) instead, for operators without NATS credentials.
// Flags win over env: --server or --nats on the command line decides; else NATS_URL,
// then LBAAS_SERVER, then nats://127.0.0.1:4222. `--config FILE` may hold the
// `nats:` settings (libs/settings/load.ts).
import { validateNatsSettings, type NatsSettings } from "../../libs/bus/connect.ts";
import { NATS_SETTING_SPECS } from "../../libs/bus/settings-spec.ts";
import { formatProblem } from "../../libs/domain/errors.ts";
import { parsePoint, type LogPoint } from "../../libs/audit/point.ts";
import { loadSettings, type SettingSpec } from "../../libs/settings/load.ts";

export const NATS_FLAGS: readonly SettingSpec[] = NATS_SETTING_SPECS;

const COMMON_FLAGS: readonly SettingSpec[] = [
  {
    path: "server",
    flag: "server",
    env: "LBAAS_SERVER",
    kind: "string",
    help: "control plane url",
  },
  { path: "output", flag: "output", kind: "string", help: "json or table" },
];

/** Optional per-command flags. */
const EXTRA = {
  at: { path: "at", flag: "at", kind: "string", help: "time or sequence" },
  from: { path: "from", flag: "from", kind: "string", help: "time or sequence" },
  to: { path: "to", flag: "to", kind: "string", help: "time or sequence" },
  group: { path: "group", flag: "group", kind: "string", help: "gateway group" },
  "gateway-config": {
    path: "gatewayConfig",
    flag: "gateway-config",
    kind: "string",
    help: "gateway settings file",
  },
} as const satisfies Record<string, SettingSpec>;

export type ExtraFlag = keyof typeof EXTRA;

export type LogSource =
  | { readonly mode: "nats"; readonly nats: NatsSettings }
  | { readonly mode: "http"; readonly server: string };

export interface AuditOptions {
  readonly positionals: readonly string[];
  readonly output: "table" | "json";
  readonly source: LogSource;
  readonly values: Readonly<
    Partial<Record<"at" | "from" | "to" | "group" | "gatewayConfig", string>>
  >;
}

export type AuditOptionsResult =
  | { readonly ok: true; readonly options: AuditOptions }
  | { readonly ok: false; readonly error: string };

const DEFAULT_NATS = "nats://127.0.0.1:4222";

function given(argv: readonly string[], flag: string): boolean {
  return argv.some((a) => a === `--${flag}` || a.startsWith(`--${flag}=`));
}

/**
 * Parses the flags of an audit command that takes `extra` flags (plus the common
 * ones: --nats…, --server, -o/--output, --config). Never throws: the first problem
 * is returned as one line naming the flag (the caller exits 2).
 */
export function parseAuditOptions(
  argv: readonly string[],
  extra: readonly ExtraFlag[],
  env: Readonly<Record<string, string | undefined>>,
): AuditOptionsResult {
  const args = argv.map((a) =>
    a === "-o" ? "--output" : a.startsWith("-o=") ? `--output=${a.slice(3)}` : a,
  );
  const specs = [...NATS_FLAGS, ...COMMON_FLAGS, ...extra.map((k) => EXTRA[k])];
  const loaded = loadSettings(specs, args, env);
  const first = loaded.problems[0];
  if (first !== undefined) return { ok: false, error: formatProblem(first) };
  const tree = loaded.tree;
  const output = tree["output"] ?? "table";
  if (output !== "json" && output !== "table")
    return {
      ok: false,
      error: `-o: ${JSON.stringify(output)} is not an output format (json, table)`,
    };
  if (given(args, "server") && given(args, "nats"))
    return {
      ok: false,
      error: "--server and --nats: choose one source (the control plane or nats)",
    };
  const natsTree = { ...((tree["nats"] ?? {}) as Record<string, unknown>) };
  // `--nats a,b` (flags are not split by the settings loader; env values are).
  if (Array.isArray(natsTree["servers"]))
    natsTree["servers"] = natsTree["servers"].flatMap((s: unknown) =>
      typeof s === "string"
        ? s
            .split(",")
            .map((x) => x.trim())
            .filter((x) => x !== "")
        : [s],
    );
  const useHttp =
    given(args, "server") ||
    (!given(args, "nats") &&
      env["NATS_URL"] === undefined &&
      natsTree["servers"] === undefined &&
      typeof tree["server"] === "string");
  let source: LogSource;
  if (useHttp) {
    const server = String(tree["server"]);
    if (!/^https?:\/\/[^\s/]+/.test(server))
      return { ok: false, error: `--server: ${JSON.stringify(server)} is not an http(s) url` };
    source = { mode: "http", server };
  } else {
    const nats = validateNatsSettings({
      servers: [DEFAULT_NATS],
      name: "lbaas audit",
      ...natsTree,
    });
    if (!nats.ok)
      return {
        ok: false,
        error: nats.problems.map(formatProblem).join("; "),
      };
    source = { mode: "nats", nats: nats.value };
  }
  const values: Record<string, string> = {};
  for (const k of ["at", "from", "to", "group", "gatewayConfig"])
    if (typeof tree[k] === "string") values[k] = tree[k];
  return { ok: true, options: { positionals: loaded.positionals, output, source, values } };
}

/** The point given with `--<flag>`; an error line naming the flag and value when bad. */
export function pointFlag(
  value: string | undefined,
  flag: string,
): { point: LogPoint } | { error: string } {
  if (value === undefined) return { error: `--${flag} is required` };
  const r = parsePoint(value, `--${flag}`);
  return r.ok ? { point: r.point } : { error: formatProblem(r.problem) };
}
