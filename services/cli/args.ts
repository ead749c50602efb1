// A tiny flag parser for the lbaas CLI: `--name value`, `--name=value`, `-f value`
// and boolean switches. Errors name the flag; they never throw.

/** How a command's flags look: value flags and boolean switches, with aliases. */
export interface FlagSpec {
  readonly values: readonly string[];
  readonly switches?: readonly string[];
  readonly aliases?: Readonly<Record<string, string>>;
  readonly required?: readonly string[];
}

export type ParsedFlags =
  | {
      readonly ok: true;
      readonly values: ReadonlyMap<string, string>;
      readonly switches: ReadonlySet<string>;
    }
  | { readonly ok: false; readonly error: string };

/** Parses `argv` (without the command name). Positional arguments are refused. */
export function parseFlags(argv: readonly string[], spec: FlagSpec): ParsedFlags {
  const values = new Map<string, string>();
  const switches = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? "";
    const eq = arg.startsWith("--") ? arg.indexOf("=") : -1;
    const raw = eq > 0 ? arg.slice(0, eq) : arg;
    const name = spec.aliases?.[raw] ?? raw;
    if (!name.startsWith("--"))
      return { ok: false, error: `unexpected argument ${JSON.stringify(arg)}` };
    const key = name.slice(2);
    if (spec.switches?.includes(key)) {
      if (eq > 0) return { ok: false, error: `${name} takes no value` };
      switches.add(key);
    } else if (spec.values.includes(key)) {
      const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
      if (value === undefined || value === "") return { ok: false, error: `${name} needs a value` };
      if (values.has(key)) return { ok: false, error: `${name} given twice` };
      values.set(key, value);
    } else return { ok: false, error: `unknown flag ${JSON.stringify(raw)}` };
  }
  for (const r of spec.required ?? [])
    if (!values.has(r)) return { ok: false, error: `--${r} is required` };
  return { ok: true, values, switches };
}
