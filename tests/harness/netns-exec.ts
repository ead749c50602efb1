// Running commands on the host and inside named network namespaces.
//
// Every command that touches networking goes through `ip netns exec <ns>` (or
// `ip -n <ns>`), so nothing here can reach the host's own links or nft ruleset.
import { execFile, execFileSync } from "node:child_process";

/** Result of a finished command. */
export interface CommandOutput {
  readonly stdout: string;
  readonly stderr: string;
}

/** A command exited non-zero, was killed, or could not be started. */
export class CommandError extends Error {
  readonly code = "command_failed";
  readonly argv: readonly string[];
  readonly exitCode: number | null;
  readonly stdout: string;
  readonly stderr: string;

  constructor(argv: readonly string[], exitCode: number | null, stdout: string, stderr: string) {
    super(
      `command ${JSON.stringify(argv.join(" ").slice(0, 200))} failed (exit ${exitCode ?? "signal"}): ${stderr.trim().slice(0, 2000)}`,
    );
    this.name = "CommandError";
    this.argv = argv;
    this.exitCode = exitCode;
    this.stdout = stdout;
    this.stderr = stderr;
  }
}

/** True when `err` is a {@link CommandError}. */
export function isCommandError(err: unknown): err is CommandError {
  return err instanceof CommandError;
}

/** Options of {@link run}. */
export interface RunOptions {
  /** Written to the command's standard input, then closed. */
  readonly input?: string;
  /** Kill the command after this many milliseconds (default 120 s). */
  readonly timeoutMs?: number;
}

/**
 * Runs `argv` (no shell) and resolves with its output. Rejects with a
 * {@link CommandError} on a non-zero exit, a signal, or a timeout; an empty
 * `argv` rejects too.
 */
export function run(argv: readonly string[], options: RunOptions = {}): Promise<CommandOutput> {
  const [file, ...args] = argv;
  if (file === undefined) return Promise.reject(new CommandError(argv, null, "", "empty argv"));
  return new Promise((resolve, reject) => {
    const child = execFile(
      file,
      args,
      { encoding: "utf8", maxBuffer: 512 * 1024 * 1024, timeout: options.timeoutMs ?? 120_000 },
      (err, stdout, stderr) => {
        if (err) {
          const exit = typeof err.code === "number" ? err.code : null;
          reject(new CommandError(argv, exit, stdout, stderr || err.message));
        } else resolve({ stdout, stderr });
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
    else child.stdin?.end();
  });
}

/**
 * Synchronous {@link run} for cleanup paths (process `exit` handlers cannot
 * await). Throws a {@link CommandError} on failure.
 */
export function runSync(argv: readonly string[]): string {
  const [file, ...args] = argv;
  if (file === undefined) throw new CommandError(argv, null, "", "empty argv");
  try {
    return execFileSync(file, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  } catch (err) {
    const e = err as { status?: number | null; stdout?: string; stderr?: string };
    throw new CommandError(argv, e.status ?? null, e.stdout ?? "", e.stderr ?? String(err));
  }
}

/** `argv` prefixed so that it runs inside network namespace `ns`. */
export function inNetns(ns: string, argv: readonly string[]): string[] {
  return ["ip", "netns", "exec", ns, ...argv];
}
