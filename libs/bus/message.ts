// What readers get for each stored message: plain data, no NATS types, so the
// codec and the folds above the bus do not depend on the client library.
import type { JsMsg } from "@nats-io/jetstream";
import type { MsgHdrs } from "@nats-io/transport-node";

/** One stored message as read from a stream. */
export interface BusMessage {
  /** Stream sequence (>= 1), unique and increasing within the stream. */
  readonly seq: number;
  readonly subject: string;
  readonly data: Uint8Array;
  /** Headers as sent (first value of each name; names as sent, e.g. `Lbaas-Version`). */
  readonly headers: ReadonlyMap<string, string>;
  /** Time the server stored the message (millisecond precision). */
  readonly time: Date;
}

const NO_HEADERS: ReadonlyMap<string, string> = new Map();

/** Converts a delivered JetStream message into a `BusMessage`. */
export function toBusMessage(m: JsMsg): BusMessage {
  let headers = NO_HEADERS;
  // `headers` is typed as always present but is undefined on messages sent without any.
  const h: MsgHdrs | undefined = m.headers;
  if (h !== undefined) {
    const map = new Map<string, string>();
    for (const [name, values] of h) if (values[0] !== undefined) map.set(name, values[0]);
    headers = map;
  }
  return { seq: m.seq, subject: m.subject, data: m.data, headers, time: m.time };
}
