// What every CLI command gets: its I/O (injectable for tests), the API client, the
// output format, and its parsed flags and positionals.
import type { ApiClient } from "./client.ts";

export interface ControlPlaneIo {
  out(text: string): void;
  err(text: string): void;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Reads a file, or standard input for "-". */
  readFile(path: string): string;
  now(): number;
  sleep(ms: number): Promise<void>;
}

export interface CommandContext {
  readonly io: ControlPlaneIo;
  readonly client: ApiClient;
  readonly output: "table" | "json";
  readonly positionals: readonly string[];
  readonly flags: Readonly<Record<string, string | boolean | string[] | undefined>>;
}

/** Exit codes of the CLI. */
export const EXIT = { ok: 0, failed: 1, usage: 2, timeout: 3 } as const;

/** A command-line mistake: printed with the usage, exit code 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

/** Pretty JSON for `-o json`. */
export function json(value: unknown): string {
  return JSON.stringify(value, null, 2);
}
