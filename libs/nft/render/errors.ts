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
  /** Where the value came from, e.g. `services[web].vips[0]`. */
  readonly path: string;

  constructor(code: RenderErrorCode, path: string, message: string) {
    super(`${path}: ${message}`);
    this.name = "RenderError";
    this.code = code;
    this.path = path;
  }
}

/** True when `err` is a {@link RenderError} (optionally with the given code). */
export function isRenderError(err: unknown, code?: RenderErrorCode): err is RenderError {
  return err instanceof RenderError && (code === undefined || err.code === code);
}
