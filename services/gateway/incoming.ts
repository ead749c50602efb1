// Turns a message read from LBAAS_EVENTS into what the apply loop consumes: a
// stored event, or a bad one to report and skip. Pure (no I/O); never throws.
import type { StoredEvent } from "../../libs/events/event.ts";
import { parseSubject } from "../../libs/events/event.ts";
import { decodeEvent } from "../../libs/events/codec.ts";
import { DecodeError } from "../../libs/events/errors.ts";

/** The part of a bus message the gateway reads. */
export interface RawMessage {
  readonly seq: number;
  readonly subject: string;
  readonly data: Uint8Array;
}

/** One delivered message, decoded or refused. */
export type Incoming =
  | { readonly ok: true; readonly subject: string; readonly stored: StoredEvent }
  | {
      readonly ok: false;
      readonly seq: number;
      readonly subject: string;
      /** A DecodeError (bad bytes, unknown schema, invalid event, wrong aggregate/group). */
      readonly error: DecodeError;
    };

/**
 * Decodes `msg` for a gateway of `group`. The subject must be
 * `lbaas.evt.<group>.<kind>.<id>` and the envelope must name that very aggregate
 * (a mismatch is `wrong_aggregate`); anything else the codec refuses
 * (bad bytes, unknown schema version, an invalid spec) comes back as `ok: false`.
 */
export function toIncoming(msg: RawMessage, group: string): Incoming {
  const parsed = parseSubject(msg.subject);
  if (parsed === null || parsed.group !== group) {
    const error = new DecodeError(
      "wrong_aggregate",
      `subject ${JSON.stringify(msg.subject)} is not an event subject of group ${JSON.stringify(group)}`,
    );
    return { ok: false, seq: msg.seq, subject: msg.subject, error };
  }
  try {
    const event = decodeEvent(msg.data, parsed);
    return { ok: true, subject: msg.subject, stored: { seq: msg.seq, event } };
  } catch (err) {
    const error =
      err instanceof DecodeError
        ? err
        : new DecodeError("bad_bytes", `event could not be decoded: ${String(err)}`);
    return { ok: false, seq: msg.seq, subject: msg.subject, error };
  }
}
