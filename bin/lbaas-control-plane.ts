#!/usr/bin/env node
// lbaas-control-plane: the only writer of events. Settings from --config FILE, env
// and flags (flags win); see services/control-plane/README.md for every key.
// Exit codes: 0 stopped by a signal, 1 failed to start, 2 bad settings.
import { formatProblem } from "../libs/domain/errors.ts";
import { loadSettings, usage } from "../libs/settings/load.ts";
import { createLogger, startControlPlane } from "../services/control-plane/server.ts";
import { SETTINGS, validateSettings } from "../services/control-plane/settings.ts";

const loaded = loadSettings(SETTINGS, process.argv.slice(2), process.env);
if (loaded.help) {
  console.log(usage("lbaas-control-plane", SETTINGS));
  process.exit(0);
}
const validated = validateSettings(loaded.tree);
const problems = [...loaded.problems, ...(validated.ok ? [] : validated.problems)];
if (loaded.positionals.length > 0)
  problems.push({ path: "argv", message: `unexpected arguments: ${loaded.positionals.join(" ")}` });
if (problems.length > 0 || !validated.ok) {
  console.error(`lbaas-control-plane: invalid settings (${problems.length}):`);
  for (const p of problems) console.error(`  ${formatProblem(p)}`);
  console.error("run with --help for the list of settings");
  process.exit(2);
}
const settings = validated.value;
const logger = createLogger(settings.logLevel);
try {
  const cp = await startControlPlane(settings, logger);
  const stop = (signal: string): void => {
    logger.info({ signal }, "stopping");
    cp.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, "stop failed");
        process.exit(1);
      },
    );
  };
  process.once("SIGTERM", () => stop("SIGTERM"));
  process.once("SIGINT", () => stop("SIGINT"));
} catch (err) {
  logger.fatal({ err }, "control plane failed to start");
  process.exit(1);
}
