// Checks deployment files against the programs they start: the flags, environment
// and config files they pass go through the bins' own settings loaders and
// validators (libs/settings + each service's validate), so a renamed flag or a
// bad value in compose.yaml or a systemd unit fails a unit test.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { formatProblem } from "../../../libs/domain/errors.ts";
import { loadSettings } from "../../../libs/settings/load.ts";
import { SETTINGS, validateSettings } from "../../../services/control-plane/settings.ts";
import {
  GATEWAY_SETTING_SPECS,
  validateGatewayConfig,
} from "../../../services/gateway/settings.ts";

export const REPO = fileURLToPath(new URL("../../../", import.meta.url));

type Env = Readonly<Record<string, string | undefined>>;

/** Every problem the gateway would exit 2 for with `argv` and `env`; [] when it would start. */
export function gatewayProblems(argv: readonly string[], env: Env): string[] {
  const loaded = loadSettings(GATEWAY_SETTING_SPECS, argv, env);
  const checked = validateGatewayConfig(loaded.tree, "test-host");
  return [
    ...loaded.problems,
    ...loaded.positionals.map((p) => ({ path: "argv", message: `unexpected argument ${p}` })),
    ...(checked.ok ? [] : checked.problems),
  ].map(formatProblem);
}

/** Every problem the control plane would exit 2 for with `argv` and `env`; [] when it would start. */
export function controlPlaneProblems(argv: readonly string[], env: Env): string[] {
  const loaded = loadSettings(SETTINGS, argv, env);
  const checked = validateSettings(loaded.tree);
  return [
    ...loaded.problems,
    ...loaded.positionals.map((p) => ({ path: "argv", message: `unexpected argument ${p}` })),
    ...(checked.ok ? [] : checked.problems),
  ].map(formatProblem);
}

/** The `--flags` a bin's `--help` lists (runs `node bin/<file> --help`); throws when it fails. */
export function helpFlags(binFile: string): Set<string> {
  const r = spawnSync(process.execPath, [`${REPO}bin/${binFile}`, "--help"], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${binFile} --help exited ${r.status}: ${r.stderr}`);
  return new Set(r.stdout.match(/--[a-z][a-z0-9-]*/g) ?? []);
}

/** The `--flags` used in `argv` (values and `--no-` prefixes stripped). */
export function flagsOf(argv: readonly string[]): string[] {
  return argv
    .filter((a) => a.startsWith("--"))
    .map((a) => a.split("=")[0]?.replace(/^--no-/, "--") ?? a);
}
