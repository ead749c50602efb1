// Settings for long-running services: a config file (`--config FILE`, YAML or
// JSON), environment variables and command-line flags, merged in that order
// (flags win). The result is an untyped tree that each service validates with
// its own validator, so every error names the key or flag it came from.
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { parse as parseYaml } from "yaml";
import type { Problem } from "../domain/model.ts";

/** One setting: where it lives in the config tree and how it is given on the command line. */
export interface SettingSpec {
  /** Dotted path in the config tree, e.g. `nats.servers` or `nftables.nat-table-name`. */
  readonly path: string;
  /** Long flag name without dashes, e.g. `nats`. */
  readonly flag: string;
  /** Environment variable, e.g. `NATS_URL`. */
  readonly env?: string;
  readonly kind: "string" | "number" | "boolean" | "list";
  readonly help: string;
}

export interface LoadedSettings {
  readonly tree: Record<string, unknown>;
  readonly positionals: readonly string[];
  /** True when `--help` was given. */
  readonly help: boolean;
  readonly problems: readonly Problem[];
}

/**
 * Merges the config file named by `--config` (if any), then `env`, then flags.
 * Never throws: an unreadable or malformed file, an unknown flag or a value of
 * the wrong kind becomes a problem naming the flag, variable or file.
 */
export function loadSettings(
  specs: readonly SettingSpec[],
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): LoadedSettings {
  const problems: Problem[] = [];
  const options: Record<string, { type: "string" | "boolean"; multiple?: boolean }> = {
    config: { type: "string" },
    help: { type: "boolean" },
  };
  for (const s of specs) {
    options[s.flag] =
      s.kind === "boolean" ? { type: "boolean" } : { type: "string", multiple: s.kind === "list" };
    if (s.kind === "boolean") options[`no-${s.flag}`] = { type: "boolean" };
  }
  let values: Record<string, unknown> = {};
  let positionals: string[] = [];
  try {
    const parsed = parseArgs({ args: [...argv], options, allowPositionals: true, strict: true });
    values = parsed.values;
    positionals = parsed.positionals;
  } catch (err) {
    problems.push({ path: "argv", message: (err as Error).message.toLowerCase() });
  }

  const tree: Record<string, unknown> = {};
  const configPath = values["config"];
  if (typeof configPath === "string") {
    const loaded = readTree(configPath);
    if ("problem" in loaded) problems.push(loaded.problem);
    else Object.assign(tree, loaded.tree);
  }
  for (const s of specs) {
    const raw = s.env === undefined ? undefined : env[s.env];
    if (raw !== undefined && raw !== "") {
      const v = convert(s, raw, `env ${s.env}`, problems);
      if (v !== undefined) setPath(tree, s.path, v);
    }
  }
  for (const s of specs) {
    const raw = values[s.flag];
    if (raw === undefined) {
      if (s.kind === "boolean" && values[`no-${s.flag}`] === true) setPath(tree, s.path, false);
      continue;
    }
    // A list flag may be repeated and each value may hold several comma-separated items.
    const v =
      s.kind === "boolean"
        ? raw
        : s.kind === "list"
          ? (raw as string[]).flatMap((item) => splitList(item))
          : convert(s, raw as string, `--${s.flag}`, problems);
    if (v !== undefined) setPath(tree, s.path, v);
  }
  return { tree, positionals, help: values["help"] === true, problems };
}

/** Reads a YAML or JSON config file into a tree; a missing or malformed file is a problem. */
export function readTree(file: string): { tree: Record<string, unknown> } | { problem: Problem } {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    return {
      problem: {
        path: "--config",
        message: `cannot read ${JSON.stringify(file)}: ${(err as NodeJS.ErrnoException).code ?? "error"}`,
      },
    };
  }
  try {
    const doc: unknown = parseYaml(text, { maxAliasCount: 100 });
    if (doc === null || doc === undefined) return { tree: {} };
    if (typeof doc !== "object" || Array.isArray(doc)) {
      return {
        problem: {
          path: "--config",
          message: `${JSON.stringify(file)} must hold a mapping of settings`,
        },
      };
    }
    return { tree: doc as Record<string, unknown> };
  } catch (err) {
    return {
      problem: {
        path: "--config",
        message: `${JSON.stringify(file)} is not valid yaml/json: ${(err as Error).message.split("\n")[0]}`,
      },
    };
  }
}

/** Renders `--help` text for a set of settings. */
export function usage(command: string, specs: readonly SettingSpec[]): string {
  const lines = [
    `usage: ${command} [--config FILE] [flags]`,
    "",
    "flags (flags win over env, env over the config file):",
  ];
  for (const s of specs) {
    const env = s.env === undefined ? "" : ` (env ${s.env})`;
    lines.push(
      `  --${s.flag}${s.kind === "boolean" ? "" : " VALUE"}`.padEnd(34) +
        `${s.help}; key ${s.path}${env}`,
    );
  }
  return lines.join("\n");
}

function convert(s: SettingSpec, raw: string, source: string, problems: Problem[]): unknown {
  switch (s.kind) {
    case "string":
      return raw;
    case "list":
      return splitList(raw);
    case "number": {
      const n = Number(raw);
      if (raw.trim() === "" || !Number.isFinite(n)) {
        problems.push({ path: source, message: `${JSON.stringify(raw)} is not a number` });
        return undefined;
      }
      return n;
    }
    case "boolean":
      if (/^(1|true|yes|on)$/i.test(raw)) return true;
      if (/^(0|false|no|off)$/i.test(raw)) return false;
      problems.push({
        path: source,
        message: `${JSON.stringify(raw)} is not a boolean (true/false)`,
      });
      return undefined;
  }
}

function setPath(tree: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split(".");
  let node = tree;
  for (const key of keys.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== "object" || next === null || Array.isArray(next)) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[keys[keys.length - 1] as string] = value;
}

function splitList(raw: string): string[] {
  return raw
    .split(",")
    .map((x) => x.trim())
    .filter((x) => x !== "");
}
