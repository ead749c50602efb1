#!/usr/bin/env node
// The lbaas command line: a tiny dispatcher; each command lives in services/cli/.
import { runApplyLocal, APPLY_LOCAL_USAGE } from "../services/cli/apply-local.ts";
import {
  AUDIT_USAGE,
  DIFF_USAGE,
  HISTORY_USAGE,
  runAuditCommand,
  runDiff,
  runHistory,
  runState,
  runStatus,
  STATE_USAGE,
  STATUS_USAGE,
} from "../services/cli/audit-commands.ts";
import { EXIT_USAGE, type CliIo } from "../services/cli/io.ts";
import { CONTROL_PLANE_USAGE, runControlPlaneCommand } from "../services/cli/main.ts";
import { runRender, RENDER_USAGE } from "../services/cli/render.ts";

type Command = (argv: readonly string[], io: CliIo) => Promise<number>;

/** A control-plane command (services/cli/main.ts) in this dispatcher's shape. */
const controlPlane =
  (name: string): Command =>
  (argv) =>
    runControlPlaneCommand([name, ...argv]);

const hasAt = (argv: readonly string[]): boolean =>
  argv.some((a) => a === "--at" || a.startsWith("--at="));

/** Commands by name, with their usage lines (other helpers add theirs here). */
const COMMANDS: Record<string, { run: Command; usage: string }> = {
  render: { run: runRender, usage: RENDER_USAGE },
  "apply-local": { run: runApplyLocal, usage: APPLY_LOCAL_USAGE },
  apply: { run: controlPlane("apply"), usage: CONTROL_PLANE_USAGE.apply },
  get: { run: controlPlane("get"), usage: CONTROL_PLANE_USAGE.get },
  delete: { run: controlPlane("delete"), usage: CONTROL_PLANE_USAGE.delete },
  // `status` is the control plane's live view; `status --at TIME` reads the status stream.
  status: {
    run: (argv, io) =>
      hasAt(argv) ? runStatus(argv, io) : runControlPlaneCommand(["status", ...argv]),
    usage: `${CONTROL_PLANE_USAGE.status}\n  ${STATUS_USAGE}`,
  },
  history: { run: (argv, io) => runHistory(argv, io), usage: HISTORY_USAGE },
  state: { run: (argv, io) => runState(argv, io), usage: STATE_USAGE },
  diff: { run: (argv, io) => runDiff(argv, io), usage: DIFF_USAGE },
  audit: { run: (argv, io) => runAuditCommand(argv, io), usage: AUDIT_USAGE },
};

// `lbaas render … | head` closes our stdout early: that is the reader's choice, not an
// error worth a stack trace.
process.stdout.on("error", (err: NodeJS.ErrnoException) => {
  if (err.code === "EPIPE") process.exit(process.exitCode ?? 0);
  throw err;
});

const io: CliIo = {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
};

const [name, ...rest] = process.argv.slice(2);
const command = name === undefined ? undefined : COMMANDS[name];
if (command === undefined) {
  const usage = Object.values(COMMANDS)
    .map((c) => `  ${c.usage}`)
    .join("\n");
  io.stderr(
    `${name === undefined || name === "help" || name === "--help" ? "" : `lbaas: unknown command ${JSON.stringify(name)}\n`}usage:\n${usage}\n` +
      `control-plane commands take --server URL (env LBAAS_SERVER), -o json|table, --actor, --reason\n`,
  );
  process.exitCode = name === "help" || name === "--help" ? 0 : EXIT_USAGE;
} else {
  process.exitCode = await command.run(rest, io);
}
