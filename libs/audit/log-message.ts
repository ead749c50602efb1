// The shape of one stored message as the audit core reads it: the same fields as
// libs/bus's BusMessage, declared here so the pure core imports no NATS types.

/** One message of a stream, in stream order. */
export interface LogMessage {
  /** Stream sequence (>= 1). */
  readonly seq: number;
  readonly subject: string;
  readonly data: Uint8Array;
  /** Headers as sent (first value of each name). */
  readonly headers: ReadonlyMap<string, string>;
  /** When the server stored it (millisecond precision). */
  readonly time: Date;
}

/**
 * The headline of an error: its first line without the trailing ":" that
 * introduces a problem list (DecodeError puts the problems on the next lines).
 */
export function headline(err: Error): string {
  return (err.message.split("\n")[0] ?? "").replace(/:$/, "");
}
