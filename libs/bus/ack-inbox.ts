// JetStream publishes answered on one shared inbox subscription, for a writer that
// appends many events: the client's request() builds a RequestOne per publish (a
// timer, a mux entry, and a "cancelled" error with a captured stack on every
// successful answer: about a tenth of the control plane's CPU per write). Here one
// subscription `<inbox>.*` takes every acknowledgement, a counter names the reply,
// and one coarse timer expires the unanswered. Same wire messages, same answers and
// errors as `js.publish` (JetStreamApiError, TimeoutError, no responders).
import {
  createInbox,
  errors as natsErrors,
  type Msg,
  type MsgHdrs,
  type NatsConnection,
  type Subscription,
} from "@nats-io/transport-node";
import { JetStreamApiError, type PubAck } from "@nats-io/jetstream";

interface Waiter {
  readonly resolve: (ack: PubAck) => void;
  readonly reject: (err: Error) => void;
  readonly deadline: number;
}

/** How often unanswered publishes are checked for their deadline. */
const SWEEP_MS = 250;

export class AckInbox {
  private readonly prefix: string;
  private readonly sub: Subscription;
  private readonly pending = new Map<number, Waiter>();
  private next = 0;
  private readonly sweeper: NodeJS.Timeout;
  private readonly nc: NatsConnection;

  /**
   * Subscribes `<new inbox>.*` on `nc` (and sweeps every 250 ms); `close` ends both.
   * `inboxPrefix` must be the connection's own (`nats.inboxPrefix`): permissions may
   * allow this user's replies only under it. Default: the client's `_INBOX`.
   */
  constructor(nc: NatsConnection, inboxPrefix?: string) {
    this.nc = nc;
    this.prefix = `${createInbox(inboxPrefix)}.`;
    this.sub = nc.subscribe(`${this.prefix}*`, { callback: (err, msg) => this.answer(err, msg) });
    const timeout = (): Error => new natsErrors.TimeoutError();
    this.sweeper = setInterval(() => this.expire(Date.now(), timeout), SWEEP_MS).unref();
  }

  /**
   * Publishes `data` to `subject` with `headers` (the JetStream guards are the
   * caller's) and resolves with the stream's acknowledgement. Rejects with the
   * server's JetStreamApiError (e.g. 10071 wrong last sequence), a TimeoutError after
   * `timeoutMs` (the message may still have been stored), a NoRespondersError when no
   * stream captures the subject, or the client's error when the connection is closed.
   */
  publish(subject: string, data: Uint8Array, headers: MsgHdrs, timeoutMs: number): Promise<PubAck> {
    return new Promise<PubAck>((resolve, reject) => {
      const token = ++this.next;
      this.pending.set(token, { resolve, reject, deadline: Date.now() + timeoutMs });
      try {
        this.nc.publish(subject, data, { reply: `${this.prefix}${token}`, headers });
      } catch (err) {
        this.pending.delete(token);
        reject(err instanceof Error ? err : new Error(String(err)));
      }
    });
  }

  /** Unsubscribes and stops sweeping; unanswered publishes fail with a TimeoutError. */
  close(): void {
    clearInterval(this.sweeper);
    if (!this.sub.isClosed()) this.sub.unsubscribe();
    this.expire(Infinity, () => new natsErrors.TimeoutError());
  }

  private answer(err: Error | null, msg: Msg): void {
    if (err !== null) return this.expire(Infinity, () => err);
    const token = Number(msg.subject.slice(this.prefix.length));
    const w = this.pending.get(token);
    if (w === undefined) return; // answered after its deadline
    this.pending.delete(token);
    if (msg.headers?.code === 503) return w.reject(new natsErrors.NoRespondersError(msg.subject));
    let ack: (PubAck & { error?: { code: number; err_code: number; description: string } }) | null;
    try {
      ack = msg.json();
    } catch (e) {
      return w.reject(new Error("invalid ack response", { cause: e }));
    }
    if (ack?.error !== undefined) return w.reject(new JetStreamApiError(ack.error));
    if (ack === null || typeof ack.stream !== "string" || ack.stream === "")
      return w.reject(new Error("invalid ack response"));
    w.resolve({ ...ack, duplicate: ack.duplicate === true });
  }

  /** Fails every publish whose deadline is at or before `now` with `error()`. */
  private expire(now: number, error: () => Error): void {
    for (const [token, w] of this.pending) {
      if (w.deadline > now) continue;
      this.pending.delete(token);
      w.reject(error());
    }
  }
}
