// Publishing status must never hold up applying. Reports go into a bounded queue
// (the oldest is dropped when it is full) and heartbeats into a single slot (only
// the newest matters); one pump sends them in order while NATS is reachable and
// pauses while it is not, resuming on reconnect. A send that fails is retried
// with the same message id, so the status stream stores it once.

/** What a status message carries, also in the `Lbaas-Status-Type` header. */
export type StatusType = "report" | "heartbeat";

/** Header naming the status message type, so readers pick the decoder without trying both. */
export const STATUS_TYPE_HEADER = "Lbaas-Status-Type";

/** Sends one status message; resolves when the stream stored it, rejects otherwise. */
export type StatusSend = (
  subject: string,
  data: Uint8Array,
  msgId: string,
  type: StatusType,
) => Promise<void>;

export interface StatusOutboxOptions {
  readonly send: StatusSend;
  /** Reports kept while NATS is away; the oldest is dropped beyond it. */
  readonly capacity: number;
  /** Prefix of message ids, unique per gateway run (e.g. `<id>.<startedAt>`). */
  readonly idPrefix: string;
  /** Wait before retrying a failed send while still online (ms). */
  readonly retryMs?: number;
  /** Called for every report dropped because the queue was full. */
  readonly onDrop?: () => void;
  /** Called when a send fails (for logs); the message stays queued. */
  readonly onError?: (err: unknown) => void;
}

interface Item {
  readonly type: StatusType;
  readonly subject: string;
  readonly data: Uint8Array;
  readonly msgId: string;
}

export class StatusOutbox {
  private readonly o: StatusOutboxOptions;
  private readonly reports: Item[] = [];
  private heartbeat: Item | null = null;
  private online = true;
  /** True while pump() runs; set and cleared synchronously, so no message is stranded. */
  private pumping = false;
  private wake: (() => void) | null = null;
  private counter = 0;
  private closed = false;
  /** Reports dropped so far because the queue was full. */
  dropped = 0;

  constructor(options: StatusOutboxOptions) {
    this.o = options;
  }

  /** Messages waiting to be sent (reports plus a pending heartbeat). */
  get size(): number {
    return this.reports.length + (this.heartbeat === null ? 0 : 1);
  }

  /** Queues a report (dropping the oldest when full) and returns at once. */
  enqueueReport(subject: string, data: Uint8Array): void {
    if (this.closed) return;
    if (this.reports.length >= this.o.capacity) {
      this.reports.shift();
      this.dropped += 1;
      this.o.onDrop?.();
    }
    this.reports.push({ type: "report", subject, data, msgId: this.nextId() });
    this.kick();
  }

  /** Replaces the pending heartbeat (an unsent older one is obsolete) and returns at once. */
  setHeartbeat(subject: string, data: Uint8Array): void {
    if (this.closed) return;
    this.heartbeat = { type: "heartbeat", subject, data, msgId: this.nextId() };
    this.kick();
  }

  /** Tells the outbox whether NATS is reachable; going online resumes sending. */
  setOnline(online: boolean): void {
    this.online = online;
    if (online) this.kick();
  }

  /**
   * Tries to send everything queued within `timeoutMs`, then stops taking
   * messages. Resolves true when the queue emptied, false otherwise (never rejects).
   */
  async close(timeoutMs: number): Promise<boolean> {
    this.kick();
    const done = this.drained();
    const timeout = new Promise<false>((resolve) => setTimeout(resolve, timeoutMs, false).unref());
    const emptied = await Promise.race([done.then(() => true), timeout]);
    this.closed = true;
    this.wake?.();
    return emptied;
  }

  private async drained(): Promise<void> {
    while (this.size > 0 && !this.closed) {
      this.kick();
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  private nextId(): string {
    this.counter += 1;
    return `${this.o.idPrefix}.${this.counter}`;
  }

  private kick(): void {
    if (this.wake !== null) {
      const wake = this.wake;
      this.wake = null;
      wake();
    }
    if (this.pumping) return;
    this.pumping = true;
    void this.pump();
  }

  private async pump(): Promise<void> {
    for (;;) {
      const item = this.reports[0] ?? this.heartbeat;
      if (this.closed || item === undefined || item === null) {
        // Cleared in the same turn as the last check: an enqueue after this starts a new pump.
        this.pumping = false;
        return;
      }
      if (!this.online) {
        await new Promise<void>((resolve) => (this.wake = resolve));
        continue;
      }
      try {
        await this.o.send(item.subject, item.data, item.msgId, item.type);
        if (this.reports[0] === item) this.reports.shift();
        else if (this.heartbeat === item) this.heartbeat = null;
      } catch (err) {
        this.o.onError?.(err);
        await new Promise<void>((resolve) => {
          this.wake = resolve;
          setTimeout(resolve, this.o.retryMs ?? 1_000).unref();
        });
      }
    }
  }
}
