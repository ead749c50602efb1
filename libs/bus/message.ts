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

/**
 * Converts a delivered JetStream message into a `BusMessage`. Headers are parsed
 * on first access only: parsing them costs more than everything else the client
 * does per message (replay with two headers: ~55k msg/s parsed, ~100k+ lazy), and
 * folds read the envelope from `data`.
 */
export function toBusMessage(m: JsMsg): BusMessage {
  let headers: ReadonlyMap<string, string> | undefined;
  return {
    seq: m.seq,
    subject: m.subject,
    data: m.data,
    time: m.time,
    get headers(): ReadonlyMap<string, string> {
      headers ??= headerMap(m);
      return headers;
    },
  };
}

/** The headers of `m`, first value of each name (empty when it has none). */
export function headerMap(m: JsMsg): ReadonlyMap<string, string> {
  // `headers` is typed as always present but is undefined on messages sent without any.
  const h: MsgHdrs | undefined = m.headers;
  if (h === undefined) return NO_HEADERS;
  const map = new Map<string, string>();
  for (const [name, values] of h) if (values[0] !== undefined) map.set(name, values[0]);
  return map;
}
