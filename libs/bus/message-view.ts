// One reusable window onto the message being visited by a callback read
// (ordered-visit.ts): the fields of a `BusMessage`, set in place for every
// message, so a 1M-message replay allocates no object per message on our side.
import type { JsMsg } from "@nats-io/jetstream";
import type { BusMessage } from "./message.ts";
import { headerMap } from "./message.ts";

/**
 * A `BusMessage` valid only during the visit that receives it: the same object
 * is reused for the next message. Copy what must outlive the call (`data` is the
 * client's buffer view and stays valid; keeping it keeps that buffer alive).
 */
export interface MessageView extends BusMessage {
  /** `time` as milliseconds since the epoch (no Date built). */
  readonly timeMs: number;
}

/** The mutable view behind `MessageView`; headers and `time` are built on access only. */
export class JsMessageView implements MessageView {
  seq = 0;
  subject = "";
  data: Uint8Array = new Uint8Array();
  timeMs = 0;
  private msg: JsMsg | null = null;
  private parsed: ReadonlyMap<string, string> | null = null;

  /** Points the view at `m` (stream sequence and time already parsed by the caller). */
  show(m: JsMsg, seq: number, timeMs: number): void {
    this.msg = m;
    this.seq = seq;
    this.timeMs = timeMs;
    this.subject = m.subject;
    this.data = m.data;
    this.parsed = null;
  }

  get time(): Date {
    return new Date(this.timeMs);
  }

  get headers(): ReadonlyMap<string, string> {
    if (this.parsed === null) this.parsed = this.msg === null ? new Map() : headerMap(this.msg);
    return this.parsed;
  }
}
