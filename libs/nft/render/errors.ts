// Typed failure of the renderer. Validated input never triggers it: it is the
// last line of defence that keeps hostile strings out of the `nft -f` script.

/** Stable codes of render failures. */
export type RenderErrorCode =
  "unsafe_name" | "unsafe_address" | "unsafe_number" | "unsafe_token" | "duplicate_key";

/**
 * Thrown when a value that would reach the script is not a strict, canonical
 * literal (a name, an address, a number). It signals a bug or bypassed
 * validation upstream, never a user error to recover from.
 */
export class RenderError extends Error {
  readonly code: RenderErrorCode;
  /** Where the value came from, e.g. `services["web"].vips[0]`. */
  readonly path: string;
  /** The message without the path. */
  readonly detail: string;

  constructor(code: RenderErrorCode, path: string, detail: string) {
    super(`${path}: ${detail}`);
    this.name = "RenderError";
    this.code = code;
    this.path = path;
    this.detail = detail;
  }
}

/**
 * Re-throws `err` with `prefix` in front of its path when it is a RenderError
 * (callers pass short static paths to the guards and add the context only on
 * failure: no path strings are built for the 99.99 % of values that are fine).
 */
export function relocate(err: unknown, prefix: string): never {
  if (err instanceof RenderError)
    throw new RenderError(err.code, err.path === "" ? prefix : `${prefix}.${err.path}`, err.detail);
  throw err;
}

/** True when `err` is a {@link RenderError} (optionally with the given code). */
export function isRenderError(err: unknown, code?: RenderErrorCode): err is RenderError {
  return err instanceof RenderError && (code === undefined || err.code === code);
}
