// What every audit command shares: flags, the log source, progress on a terminal,
// errors as messages with the right exit code.
import { formatProblem } from "../../libs/domain/errors.ts";
import { isBusError } from "../../libs/bus/errors.ts";
import { isAuditError } from "../audit/errors.ts";
import type { ReadOptions } from "../audit/event-log.ts";
import type { AuditQueries } from "../audit/queries.ts";
import { AuditHttpError } from "./audit-http-client.ts";
import { parseAuditOptions, type AuditOptions, type ExtraFlag } from "./audit-options.ts";
import { terminalProgress } from "./audit-progress.ts";
import { openSource } from "./audit-source.ts";
import { EXIT_FAILED, EXIT_USAGE, type CliIo } from "./io.ts";

/** What the process gives a command beyond its io (injectable for tests). */
export interface AuditEnv {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** True when stderr is a terminal (progress is drawn only then). */
  readonly stderrIsTty: boolean;
}

export const processAuditEnv = (): AuditEnv => ({
  env: process.env,
  stderrIsTty: process.stderr.isTTY === true,
});

/** A usage problem found by a command after parsing (exit 2). */
export class UsageProblem extends Error {
  override readonly name = "UsageProblem";
}

export type AuditBody = (
  queries: AuditQueries,
  options: AuditOptions,
  read: ReadOptions,
) => Promise<number>;

/**
 * Parses `argv`, runs `check` (usage checks before any connection), opens the source,
 * runs `body` and closes the source. Exit codes: `body`'s, 2 for usage problems (bad
 * flags, values, kinds or ids, also when the server says so), 1 for failures (no
 * server, nothing found, log unreadable). Never throws.
 */
export async function runAudit(
  name: string,
  usage: string,
  argv: readonly string[],
  io: CliIo,
  extra: readonly ExtraFlag[],
  aenv: AuditEnv,
  check: (options: AuditOptions) => void,
  body: AuditBody,
): Promise<number> {
  const fail = (message: string, code: number): number => {
    io.stderr(`lbaas ${name}: ${message}\n${code === EXIT_USAGE ? `usage: ${usage}\n` : ""}`);
    return code;
  };
  const parsed = parseAuditOptions(argv, extra, aenv.env);
  if (!parsed.ok) return fail(parsed.error, EXIT_USAGE);
  const options = parsed.options;
  try {
    check(options);
  } catch (err) {
    if (err instanceof UsageProblem) return fail(err.message, EXIT_USAGE);
    throw err;
  }
  const progress = aenv.stderrIsTty && options.output !== "json";
  const read: ReadOptions = progress ? { onProgress: terminalProgress(io.stderr) } : {};
  let source;
  try {
    source = await openSource(options.source);
  } catch (err) {
    const where =
      options.source.mode === "nats"
        ? options.source.nats.servers.join(",")
        : options.source.server;
    return fail(`cannot connect to ${where}: ${(err as Error).message}`, EXIT_FAILED);
  }
  try {
    return await body(source.queries, options, read);
  } catch (err) {
    if (err instanceof UsageProblem || isAuditError(err, "invalid_argument"))
      return fail(err.message, EXIT_USAGE);
    if (isAuditError(err) || isBusError(err)) return fail(err.message, EXIT_FAILED);
    if (err instanceof AuditHttpError) {
      const problems = err.problems.map((p) => `\n  ${formatProblem(p)}`).join("");
      return fail(
        `${err.message} (${err.status} ${err.code})${problems}`,
        err.status === 400 ? EXIT_USAGE : EXIT_FAILED,
      );
    }
    throw err;
  } finally {
    await source.close();
  }
}
