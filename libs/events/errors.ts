// Typed errors of the event and status codecs.
import { formatProblems } from "../domain/errors.ts";
import type { Problem } from "../domain/model.ts";

/** Stable codes of DecodeError. */
export const DecodeErrorCodes = {
  /** Not a protobuf message of the expected type (truncated, garbage, empty, too large). */
  badBytes: "bad_bytes",
  /** schema_version 0 (not said) or newer than this code understands. */
  unknownSchemaVersion: "unknown_schema_version",
  /** The envelope names another aggregate than the subject it was read from. */
  wrongAggregate: "wrong_aggregate",
  /** Well-formed bytes, but the event breaks today's rules (missing body, bad spec, …). */
  invalidEvent: "invalid_event",
  /** Well-formed bytes, but the report or heartbeat breaks today's rules. */
  invalidStatus: "invalid_status",
} as const;

export type DecodeErrorCode = (typeof DecodeErrorCodes)[keyof typeof DecodeErrorCodes];

/**
 * Bytes that could not be turned into a valid event, report or heartbeat. Readers
 * never see anything else thrown by the codec: every failure is a DecodeError.
 */
export class DecodeError extends Error {
  readonly code: DecodeErrorCode;
  /** Field-level problems for invalid_event / invalid_status; empty otherwise. */
  readonly problems: readonly Problem[];

  constructor(code: DecodeErrorCode, message: string, problems: readonly Problem[] = []) {
    const detail = problems.length > 0 ? `:\n${formatProblems(problems)}` : "";
    super(`${message}${detail}`);
    this.name = "DecodeError";
    this.code = code;
    this.problems = problems;
  }
}

const CODES: readonly string[] = Object.values(DecodeErrorCodes);

/** True for a DecodeError (optionally with the given code), also across module copies. */
export function isDecodeError(err: unknown, code?: DecodeErrorCode): err is DecodeError {
  if (!(err instanceof Error)) return false;
  const c = (err as { code?: unknown }).code;
  return typeof c === "string" && CODES.includes(c) && (code === undefined || c === code);
}
