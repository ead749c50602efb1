// Runs the real `lbaas` command line (bin/lbaas.ts) as a user would, with the
// demo's addresses in the environment (LBAAS_SERVER, NATS_URL), and shows the
// command and its output.
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { block, command } from "./say.ts";

const lbaas = fileURLToPath(new URL("../bin/lbaas.ts", import.meta.url));
const root = fileURLToPath(new URL("..", import.meta.url));

/** Where the CLI finds the system: the control plane's url and the NATS url. */
export interface CliEnv {
  readonly LBAAS_SERVER: string;
  readonly NATS_URL: string;
}

/** A failed `lbaas` command: its exit code and output. */
export class CliError extends Error {
  readonly code = "cli_failed";
  readonly argv: readonly string[];
  readonly exitCode: number;
  readonly output: string;

  constructor(argv: readonly string[], exitCode: number, output: string) {
    super(`lbaas ${argv.join(" ")} exited with ${exitCode}:\n${output}`);
    this.name = "CliError";
    this.argv = argv;
    this.exitCode = exitCode;
    this.output = output;
  }
}

/**
 * Prints `$ lbaas <argv>`, runs it from the repository root, prints its output
 * (stdout, then stderr) indented, and resolves with stdout. Rejects with a
 * {@link CliError} on a non-zero exit code (after printing the output).
 */
export function lbaasCli(env: CliEnv, argv: readonly string[]): Promise<string> {
  command(["lbaas", ...argv]);
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [lbaas, ...argv],
      { cwd: root, env: { ...process.env, ...env, NO_COLOR: "1" }, timeout: 120_000 },
      (err, stdout, stderr) => {
        const output = `${stdout}${stderr}`;
        block(output);
        if (err) reject(new CliError(argv, typeof err.code === "number" ? err.code : 1, output));
        else resolve(stdout);
      },
    );
  });
}
