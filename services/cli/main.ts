// The control-plane commands of the `lbaas` CLI: apply, get, delete, status.
// Global flags: --server URL (env LBAAS_SERVER, default http://127.0.0.1:8080),
// -o json|table, --actor NAME and --reason TEXT (recorded in the events).
// Exit codes: 0 ok, 1 refused or failed, 2 usage, 3 `apply --wait` timed out.
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { setTimeout as sleep } from "node:timers/promises";
import { apply, APPLY_FLAGS, printProblems } from "./apply.ts";
import { ApiClient, defaultServer, isApiError } from "./client.ts";
import { EXIT, UsageError, type ControlPlaneIo, type CommandContext } from "./context.ts";
import { del, DELETE_FLAGS } from "./delete.ts";
import { get, GET_FLAGS } from "./get.ts";
import { status, STATUS_FLAGS } from "./status.ts";

const GLOBAL_FLAGS = {
  server: { type: "string" },
  output: { type: "string", short: "o" },
  actor: { type: "string" },
  reason: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

const COMMANDS = {
  apply: { run: apply, flags: APPLY_FLAGS },
  get: { run: get, flags: GET_FLAGS },
  delete: { run: del, flags: DELETE_FLAGS },
  status: { run: status, flags: STATUS_FLAGS },
} as const;

/** The commands this module handles (the `lbaas` dispatcher routes them here). */
export const CONTROL_PLANE_COMMANDS: readonly string[] = Object.keys(COMMANDS);

/** One usage line per command (the dispatcher lists them). */
export const CONTROL_PLANE_USAGE = {
  apply:
    "lbaas apply -f FILE [--dry-run] [--prune] [--group G]... [--wait [--timeout S]] [--server URL] [-o json]",
  get: "lbaas get services|service ID|endpoints ID|policies|policy ID|inventory [--group G] [--server URL] [-o json]",
  delete: "lbaas delete service|endpoints|policy ID [--if-match VERSION] [--server URL]",
  status: "lbaas status [--server URL] [-o json]",
} as const;

export const USAGE = `lbaas control-plane commands:
  lbaas apply -f FILE [--dry-run] [--prune] [--group G]... [--wait [--timeout S]]
  lbaas get services [--group G] | service ID | endpoints ID | policies [--group G] | policy ID | inventory [--group G]
  lbaas delete service|endpoints|policy ID [--if-match VERSION]
  lbaas status
global flags: --server URL (env LBAAS_SERVER, default http://127.0.0.1:8080), -o json|table,
  --actor NAME, --reason TEXT (recorded with every change)
exit codes: 0 ok, 1 refused or failed, 2 usage, 3 apply --wait timed out`;

/** The real terminal, files and clock. */
export const processIo: ControlPlaneIo = {
  out: (t) => void process.stdout.write(t + "\n"),
  err: (t) => void process.stderr.write(t + "\n"),
  env: process.env,
  readFile: (path) => readFileSync(path === "-" ? 0 : path, "utf8"),
  now: () => Date.now(),
  sleep: (ms) => sleep(ms),
};

/**
 * Runs one control-plane command (`argv` starts with the command name); returns the
 * exit code. Never throws: usage errors, API refusals (with every problem) and
 * unreachable servers are printed to `io.err`.
 */
export async function runControlPlaneCommand(
  argv: readonly string[],
  io: ControlPlaneIo = processIo,
): Promise<number> {
  const name = argv[0] ?? "";
  const command = (COMMANDS as Record<string, (typeof COMMANDS)[keyof typeof COMMANDS]>)[name];
  try {
    if (command === undefined) throw new UsageError(`unknown command ${JSON.stringify(name)}`);
    const { values, positionals } = parseArgs({
      args: [...argv.slice(1)],
      options: { ...GLOBAL_FLAGS, ...command.flags },
      allowPositionals: true,
      strict: true,
    });
    if (values.help === true) {
      io.out(USAGE);
      return EXIT.ok;
    }
    const output = values.output ?? "table";
    if (output !== "json" && output !== "table")
      throw new UsageError(`-o ${JSON.stringify(output)}: use json or table`);
    const headers: Record<string, string> = {};
    if (typeof values.actor === "string") headers["x-lbaas-actor"] = values.actor;
    if (typeof values.reason === "string") headers["x-lbaas-reason"] = values.reason;
    const ctx: CommandContext = {
      io,
      client: new ApiClient(
        typeof values.server === "string" ? values.server : defaultServer(io.env),
        headers,
      ),
      output,
      positionals,
      flags: values as CommandContext["flags"],
    };
    return await command.run(ctx);
  } catch (err) {
    if (
      err instanceof UsageError ||
      (err instanceof TypeError && "code" in err && String(err.code).startsWith("ERR_PARSE_ARGS"))
    ) {
      io.err(`lbaas: ${err.message}`);
      io.err(USAGE);
      return EXIT.usage;
    }
    if (isApiError(err)) {
      printProblems(
        { io } as CommandContext,
        `${err.message} (${err.status} ${err.code})`,
        err.problems,
      );
      if (err.code === "version_conflict") {
        const current = (err.body as { error?: { currentVersion?: number } } | null)?.error
          ?.currentVersion;
        if (current !== undefined) io.err(`  current version: ${current}`);
      }
      return EXIT.failed;
    }
    io.err(`lbaas: ${err instanceof Error ? err.message : String(err)}`);
    return EXIT.failed;
  }
}
