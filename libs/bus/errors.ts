// Typed errors of the bus edge. Callers branch on `code` (stable strings) or on
// the small predicates below, never on message text. Messages are lower-case and
// quote the offending value.
import { errors as natsErrors } from "@nats-io/transport-node";
import { JetStreamApiError } from "@nats-io/jetstream";

/** Stable codes of every error the bus throws. */
export type BusErrorCode =
  | "version_conflict"
  | "timeout"
  | "publish_failed"
  | "no_stream"
  | "stream_config_conflict"
  | "stream_failed"
  | "read_failed"
  | "invalid_argument"
  | "invalid_settings";

/** Base of every bus error; `cause` keeps the underlying NATS error when there is one. */
export class BusError extends Error {
  readonly code: BusErrorCode;

  constructor(code: BusErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "BusError";
    this.code = code;
  }
}

/**
 * Which optimistic-concurrency guard refused an append (nats-server 2.9.10 codes):
 * - `last_subject_sequence`: `Nats-Expected-Last-Subject-Sequence`, the aggregate
 *   moved on (API error 10071, "wrong last sequence: <subject's last>");
 * - `last_sequence`: `Nats-Expected-Last-Sequence`, something was appended to the
 *   stream (the SAME API error 10071, "wrong last sequence: <stream's last>"; told
 *   apart from the subject guard by the sequence it names);
 * - `last_msg_id`: `Nats-Expected-Last-Msg-Id`, the stream's last message is
 *   another one (API error 10070, "wrong last msg ID: <its id>").
 */
export type ConflictGuard = "last_subject_sequence" | "last_sequence" | "last_msg_id";

/** What an optimistic-concurrency refusal knows about the subject at the time of the refusal. */
export interface ConflictDetails {
  readonly subject: string;
  /** The last subject sequence the writer expected (0 = subject empty). */
  readonly expectedLastSubjectSeq: number;
  /** Stream sequence of the subject's last message now (0 = subject empty, -1 = could not be read). */
  readonly currentLastSeq: number;
  /**
   * Aggregate version of that last message (its `Lbaas-Version` header); 0 when the
   * subject is empty; null when the last message carries no readable version.
   */
  readonly currentVersion: number | null;
  /** The guard that refused; default `last_subject_sequence`. */
  readonly guard?: ConflictGuard;
  /**
   * For `last_sequence` / `last_msg_id`: what the writer expected (the header's
   * value) and what the server found (the stream's last sequence / message id,
   * "" when unknown). Ignored for `last_subject_sequence`.
   */
  readonly expected?: string;
  readonly found?: string;
}

/**
 * The server refused an append because something moved on since the writer read
 * it: the subject (JetStream API error 10071, "wrong last sequence"), the stream
 * (10071 too) or the stream's last message (10070, "wrong last msg id"); `guard`
 * says which. Code `version_conflict`.
 */
export class ConflictError extends BusError implements ConflictDetails {
  readonly subject: string;
  readonly expectedLastSubjectSeq: number;
  readonly currentLastSeq: number;
  readonly currentVersion: number | null;
  readonly guard: ConflictGuard;
  /** What the refusing guard expected (for the subject guard: the expected subject sequence). */
  readonly expected: string;
  /** What the refusing guard found (for the subject guard: the subject's last sequence now). */
  readonly found: string;

  constructor(details: ConflictDetails, options?: ErrorOptions) {
    const guard = details.guard ?? "last_subject_sequence";
    const subjectGuard = guard === "last_subject_sequence";
    const expected = subjectGuard
      ? String(details.expectedLastSubjectSeq)
      : (details.expected ?? "");
    const found = subjectGuard ? String(details.currentLastSeq) : (details.found ?? "");
    const version = `current version ${details.currentVersion ?? "unknown"}`;
    const what = {
      last_subject_sequence: `expected last sequence ${expected}, it is ${found} (${version})`,
      last_sequence: `expected the stream's last sequence ${expected}, it is ${found} (subject at ${details.currentLastSeq}, ${version})`,
      last_msg_id: `expected the stream's last message id ${JSON.stringify(expected)}, it is ${JSON.stringify(found)} (subject at ${details.currentLastSeq}, ${version})`,
    }[guard];
    super("version_conflict", `subject ${JSON.stringify(details.subject)}: ${what}`, options);
    this.name = "ConflictError";
    this.subject = details.subject;
    this.expectedLastSubjectSeq = details.expectedLastSubjectSeq;
    this.currentLastSeq = details.currentLastSeq;
    this.currentVersion = details.currentVersion;
    this.guard = guard;
    this.expected = expected;
    this.found = found;
  }
}

/** One field where an existing stream differs from the configuration we want. */
export interface StreamConfigDifference {
  readonly field: string;
  readonly existing: unknown;
  readonly wanted: unknown;
}

/**
 * An existing stream's configuration differs from ours and the server refused
 * to update it in place (e.g. storage type). Code `stream_config_conflict`.
 */
export class StreamConfigError extends BusError {
  readonly stream: string;
  readonly differences: readonly StreamConfigDifference[];

  constructor(
    stream: string,
    differences: readonly StreamConfigDifference[],
    reason: string,
    options?: ErrorOptions,
  ) {
    const listed = differences
      .map((d) => `${d.field} is ${JSON.stringify(d.existing)}, wanted ${JSON.stringify(d.wanted)}`)
      .join("; ");
    super(
      "stream_config_conflict",
      `stream ${JSON.stringify(stream)}: ${listed || "configuration differs"}: ${reason}`,
      options,
    );
    this.name = "StreamConfigError";
    this.stream = stream;
    this.differences = differences;
  }
}

/** True when `err` is a bus error, optionally with the given code. */
export function isBusError(err: unknown, code?: BusErrorCode): err is BusError {
  return err instanceof BusError && (code === undefined || err.code === code);
}

/** True when `err` is an optimistic-concurrency refusal (code `version_conflict`), whichever guard refused. */
export function isConflict(err: unknown): err is ConflictError {
  return err instanceof ConflictError;
}

/** True when `err` is a bus timeout (the server did not answer in time). */
export function isTimeout(err: unknown): err is BusError {
  return isBusError(err, "timeout");
}

/** True when an existing stream could not be brought to the wanted configuration. */
export function isStreamConfigConflict(err: unknown): err is StreamConfigError {
  return err instanceof StreamConfigError;
}

/** True when `err` is the JetStream API error with `code` (e.g. 10071). */
export function isJetStreamApiError(err: unknown, code: number): err is JetStreamApiError {
  return err instanceof JetStreamApiError && err.code === code;
}

/**
 * Wraps a NATS client error into a BusError: timeouts become `timeout`, "no
 * responders" (no stream listens on the subject, or JetStream is off) becomes
 * `no_stream`, anything else gets `fallback`. Bus errors pass through unchanged.
 * `what` prefixes the message, e.g. `publish "lbaas.evt.x"`.
 */
export function toBusError(err: unknown, fallback: BusErrorCode, what: string): BusError {
  if (err instanceof BusError) return err;
  const detail = err instanceof Error ? err.message : String(err);
  if (err instanceof natsErrors.TimeoutError)
    return new BusError("timeout", `${what}: no answer from the server in time`, { cause: err });
  if (isJetStreamApiError(err, 10059))
    return new BusError("no_stream", `${what}: stream not found`, { cause: err });
  // A publish nobody answers surfaces as the client's JetStreamNotEnabled (not
  // exported by @nats-io/jetstream), caused by a no-responders RequestError.
  if (isNoResponders(err) || (err instanceof Error && isNoResponders(err.cause)))
    return new BusError(
      "no_stream",
      `${what}: no stream answers (no stream captures the subject, or jetstream is off)`,
      { cause: err },
    );
  return new BusError(fallback, `${what}: ${detail.toLowerCase()}`, { cause: err });
}

function isNoResponders(err: unknown): boolean {
  return (
    err instanceof natsErrors.NoRespondersError ||
    (err instanceof natsErrors.RequestError && err.isNoResponders())
  );
}
