// Typed errors of the audit queries.

export type AuditErrorCode =
  /** A bad kind, id, group, point or setting (CLI exit 2, HTTP 400). */
  | "invalid_argument"
  /** Nothing of that aggregate in the log (CLI exit 1, HTTP 404). */
  | "not_found"
  /** The renderer refused the state (never for validated input). */
  | "render_failed"
  /** Too many audit replays at once (HTTP 503, retry later). */
  | "busy";

export class AuditError extends Error {
  override readonly name = "AuditError";
  readonly code: AuditErrorCode;

  constructor(code: AuditErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }
}

/** True for an AuditError, optionally with the given code. */
export function isAuditError(err: unknown, code?: AuditErrorCode): err is AuditError {
  return err instanceof AuditError && (code === undefined || err.code === code);
}
