// Guarded protobuf decoding shared by the event and status codecs.
import { DecodeError } from "./errors.ts";

/**
 * Largest message the codecs accept: NATS's default max_payload (1 MiB). The biggest
 * valid event is far smaller (see libs/domain/limits.ts), so anything larger is not
 * ours, and refusing it early bounds the work hostile bytes can cause.
 */
export const MAX_MESSAGE_BYTES = 1024 * 1024;

/**
 * Runs a generated `decode` on untrusted bytes. Any failure (not bytes, empty, too
 * large, truncated, wrong wire types, bad UTF-8, nesting too deep) becomes a
 * DecodeError `bad_bytes` naming `what`; nothing else is thrown.
 */
export function decodeMessage<T>(
  decode: (bytes: Uint8Array) => T,
  bytes: unknown,
  what: string,
): T {
  if (!(bytes instanceof Uint8Array)) {
    throw new DecodeError(
      "bad_bytes",
      `${what}: expected bytes, got ${bytes === null ? "null" : typeof bytes}`,
    );
  }
  if (bytes.length === 0) throw new DecodeError("bad_bytes", `${what}: no bytes`);
  if (bytes.length > MAX_MESSAGE_BYTES) {
    throw new DecodeError(
      "bad_bytes",
      `${what}: ${bytes.length} bytes is more than ${MAX_MESSAGE_BYTES}`,
    );
  }
  try {
    return decode(bytes);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new DecodeError("bad_bytes", `${what}: not a valid message (${reason.slice(0, 200)})`);
  }
}

/** A protobuf 64-bit value as decoded by protobufjs: a number, or a Long when long.js is present. */
export type WireInt = number | { toNumber(): number } | null | undefined;

/**
 * The value of a 64-bit field as a JavaScript number. Values beyond 2^53 - 1 lose
 * precision here but stay above Number.MAX_SAFE_INTEGER, so the callers' safe-integer
 * checks refuse them.
 */
export function wireNumber(v: WireInt): number {
  if (v === null || v === undefined) return 0;
  return typeof v === "number" ? v : v.toNumber();
}
