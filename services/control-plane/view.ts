// The control plane's view of the desired state. All of it comes from JetStream: on
// start it replays `lbaas.evt.>` from sequence 1 through the shared fold
// (applyEvent), and is ready once it reached the stream's head as of the start; then
// it keeps following, so events written by another control plane arrive too.
//
// On top of the fold it keeps:
// - an overlay of this process's own writes, so a write is visible to the next
//   decision and to reads before the follower delivers it (the fold itself only ever
//   sees events in stream order). Writes enter it TENTATIVELY, at the sequence they
//   will get if the guarded batch lands (publish.ts: a batch lands as a contiguous
//   run or not at all), so the next write of the same batch is decided on top of
//   them; a refused tail is rolled back;
// - the claim index (cross-object rules) over the effective state (fold + overlay);
// - the last stream sequence of every subject (for expectedLastSubjectSeq: a service
//   re-created in another group starts a new subject while its version continues);
// - per group, the highest event sequence and the sequences of its events (gateway lag);
// - `position`: every event up to it is reflected, the expected last stream sequence
//   of the next guarded write (see writer.ts).
import type { JetStreamClient, JetStreamManager } from "@nats-io/jetstream";
import type { Logger } from "pino";
import type {
  AggregateKind,
  EndpointsSpec,
  PolicySpec,
  ServiceSpec,
} from "../../libs/domain/model.ts";
import { applyEvent, initialState, type AggregateRecord } from "../../libs/domain/state.ts";
import type { BusMessage } from "../../libs/bus/read.ts";
import { EventFollower } from "./event-follower.ts";
import { decodeEvent } from "../../libs/events/codec.ts";
import { parseSubject, subjectOf, type LbEvent } from "../../libs/events/event.ts";
import { ClaimIndex } from "./decide/claims.ts";
import { SequenceBook, type TentativeMark } from "./sequence-book.ts";
import type { DecisionState } from "./decide/state.ts";

type AnySpec = ServiceSpec | EndpointsSpec | PolicySpec;
type AnyRecord = AggregateRecord<AnySpec>;

/** An event this process appended, with the sequence the stream gave it. */
export interface Acknowledged {
  readonly event: LbEvent;
  readonly seq: number;
}

export interface ViewOptions {
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
  readonly logger: Logger;
  /** Called for every event that cannot be decoded (it is skipped). */
  readonly onBadEvent?: (seq: number, err: unknown) => void;
}

/** An event of this process the follower may meet (see View.known). */
interface KnownEvent {
  readonly event: LbEvent;
  readonly subject: string;
  /** The bytes sent; null once the stream acknowledged the event at its sequence. */
  readonly bytes: Uint8Array | null;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return (
    a.byteLength === b.byteLength && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b)
  );
}

export interface UndoEntry {
  readonly kind: AggregateKind;
  readonly id: string;
  readonly seq: number;
  readonly overlay: AnyRecord | undefined;
  readonly subject: string;
  readonly group: string;
  /** What the sequence book held before; `mark.subjectSeq` is the expected last subject sequence. */
  readonly mark: TentativeMark;
}

/** Tentatively applied events (see View.applyTentative). */
export interface Tentative {
  /** One entry per event, in order. */
  readonly undo: readonly UndoEntry[];
  readonly previousPosition: number;
}

export class View implements DecisionState {
  readonly fold = initialState();
  readonly claims = new ClaimIndex();
  /** Every event up to this sequence is reflected (fold or overlay). */
  position = 0;
  // One map per kind, keyed by id: the ids' hashes are computed once, where a
  // `kind/id` key was a new string to hash on every lookup.
  private readonly overlay: Readonly<Record<AggregateKind, Map<string, AnyRecord>>> = {
    service: new Map(),
    endpoints: new Map(),
    policy: new Map(),
  };
  private readonly sequences = new SequenceBook();
  /**
   * Events of this process the follower has not delivered yet, by sequence: sent
   * (with their bytes: used when the stored bytes are the same) or acknowledged
   * (bytes null: the stream said it stored this event there). The follower uses
   * them instead of decoding.
   */
  private readonly known = new Map<number, KnownEvent>();
  private readonly options: ViewOptions;
  private readonly reader: EventFollower;

  constructor(options: ViewOptions) {
    this.options = options;
    this.reader = new EventFollower({ ...options, onMessage: (m) => this.onMessage(m) });
  }

  /** True once the replay reached the head of the stream as of the start. */
  get ready(): boolean {
    return this.reader.ready;
  }

  set ready(value: boolean) {
    this.reader.ready = value;
  }

  /** The last sequence the follower delivered (decoded or not). */
  get followedSeq(): number {
    return this.reader.followedSeq;
  }

  /**
   * Starts the replay and the follower and returns at once; `ready` turns true (and
   * `whenReady` resolves) once the replay reached the stream's head as of now.
   * Failures: BusError from reading the head; later read failures are logged and the
   * follower restarts after the last delivered sequence.
   */
  start(): Promise<void> {
    return this.reader.start();
  }

  /** Resolves when the view is ready (see start). */
  whenReady(): Promise<void> {
    return this.reader.whenReady();
  }

  /** Stops following; idempotent. Pending waits are released. */
  stop(): Promise<void> {
    return this.reader.stop();
  }

  /** Resolves once the follower delivered `seq` (true) or after `timeoutMs` (false). */
  waitFor(seq: number, timeoutMs = 10_000): Promise<boolean> {
    return this.reader.waitFor(seq, timeoutMs);
  }

  /** Waits until every event written before the call is reflected; false on timeout. */
  catchUp(timeoutMs = 10_000): Promise<boolean> {
    return this.reader.catchUp(timeoutMs);
  }

  private onMessage(m: BusMessage): void {
    const subject = parseSubject(m.subject);
    const mine = this.known.get(m.seq);
    this.known.delete(m.seq);
    let event: LbEvent | null =
      mine !== undefined &&
      subject !== null &&
      mine.subject === m.subject &&
      (mine.bytes === null || sameBytes(mine.bytes, m.data))
        ? mine.event
        : null;
    try {
      if (subject === null) throw new Error(`${JSON.stringify(m.subject)} is not an event subject`);
      event ??= decodeEvent(m.data, subject);
    } catch (err) {
      // Skipped, so the fold never sees it; its subject sequence still counts (the
      // next append on that subject must expect it).
      this.options.logger.error(
        { err, seq: m.seq, subject: m.subject },
        "undecodable event skipped",
      );
      this.options.onBadEvent?.(m.seq, err);
    }
    this.sequences.followed(m.subject, event?.meta.group ?? null, m.seq);
    if (event === null) {
      if (m.seq > this.fold.lastSeq) this.fold.lastSeq = m.seq;
    } else {
      const { kind, id } = event.meta;
      const before = this.record(kind, id);
      applyEvent(this.fold, { seq: m.seq, event });
      const overlay = this.overlay[kind];
      const mine = overlay.get(id);
      if (mine !== undefined && mine.seq <= m.seq) overlay.delete(id);
      this.reindex(kind, before, this.record(kind, id));
    }
    if (m.seq > this.position) this.position = m.seq;
  }

  /**
   * Applies events this process is about to append, at the sequences they will get
   * if they land (`position + 1`, `+ 2`, ...: callers pass those), so the next
   * decision and reads see them. Returns what `rollback` needs to take them out again.
   */
  applyTentative(events: readonly Acknowledged[]): Tentative {
    const undo: UndoEntry[] = [];
    const previousPosition = this.position;
    for (const { event, seq } of events) {
      const { kind, id, group, version } = event.meta;
      const overlay = this.overlay[kind];
      const subject = subjectOf(kind, group, id);
      const before = this.record(kind, id);
      undo.push({
        kind,
        id,
        seq,
        overlay: overlay.get(id),
        subject,
        group,
        mark: this.sequences.tentative(subject, group, seq),
      });
      const spec = "spec" in event.body ? event.body.spec : null;
      overlay.set(id, { kind, id, group, version, seq, spec });
      this.reindex(kind, before, this.record(kind, id));
      if (seq > this.position) this.position = seq;
    }
    return { undo, previousPosition };
  }

  /**
   * Takes tentative events `from` index on out again (they were refused), newest
   * first. What the follower delivered meanwhile stays: records are recomputed from
   * the fold and the overlay, never restored blindly.
   */
  rollback(t: Tentative, from: number): void {
    for (let i = t.undo.length - 1; i >= from; i--) {
      const u = t.undo[i] as UndoEntry;
      const before = this.record(u.kind, u.id);
      const overlay = this.overlay[u.kind];
      if (overlay.get(u.id)?.seq === u.seq) {
        if (u.overlay === undefined) overlay.delete(u.id);
        else overlay.set(u.id, u.overlay);
      }
      this.reindex(u.kind, before, this.record(u.kind, u.id));
      this.sequences.rollback(u.subject, u.group, u.seq, u.mark);
    }
    const kept = from === 0 ? t.previousPosition : (t.undo[from - 1]?.seq ?? t.previousPosition);
    this.position = Math.max(kept, this.followedSeq);
  }

  /**
   * An event this process is sending as `bytes` to `subject`, at `seq` if it lands:
   * should the follower read exactly these bytes there, it applies `event` instead of
   * decoding them (what another writer stored there is decoded as usual).
   */
  sending(event: LbEvent, subject: string, bytes: Uint8Array, seq: number): void {
    if (seq > this.followedSeq) this.known.set(seq, { event, subject, bytes });
  }

  /**
   * Events the stream acknowledged: their subject sequences are confirmed, and the
   * follower will apply these objects instead of decoding their bytes.
   */
  confirm(events: readonly Acknowledged[]): void {
    for (const { event, seq } of events) {
      const { kind, group, id } = event.meta;
      const subject = subjectOf(kind, group, id);
      this.sequences.confirmed(subject, group, seq);
      if (seq > this.followedSeq) this.known.set(seq, { event, subject, bytes: null });
    }
  }

  private reindex(
    kind: AggregateKind,
    before: AnyRecord | undefined,
    after: AnyRecord | undefined,
  ): void {
    if (before?.spec === after?.spec) return;
    if (kind === "service") {
      if (before?.spec) this.claims.removeService(before.spec as ServiceSpec);
      if (after?.spec) this.claims.addService(after.spec as ServiceSpec);
    } else if (kind === "endpoints") {
      if (before?.spec) this.claims.removeEndpoints(before.spec as EndpointsSpec);
      if (after?.spec) this.claims.addEndpoints(after.spec as EndpointsSpec);
    }
  }

  /** The effective record of an aggregate: this process's newer write, else the fold's. */
  record(kind: AggregateKind, id: string): AnyRecord | undefined {
    const folded =
      kind === "service"
        ? this.fold.services.get(id)
        : kind === "endpoints"
          ? this.fold.endpoints.get(id)
          : this.fold.policies.get(id);
    const mine = this.overlay[kind].get(id);
    return mine !== undefined && (folded === undefined || mine.seq > folded.seq) ? mine : folded;
  }

  service(id: string): AggregateRecord<ServiceSpec> | undefined {
    return this.record("service", id) as AggregateRecord<ServiceSpec> | undefined;
  }

  endpoints(serviceId: string): AggregateRecord<EndpointsSpec> | undefined {
    return this.record("endpoints", serviceId) as AggregateRecord<EndpointsSpec> | undefined;
  }

  policy(id: string): AggregateRecord<PolicySpec> | undefined {
    return this.record("policy", id) as AggregateRecord<PolicySpec> | undefined;
  }

  *services(): Iterable<AggregateRecord<ServiceSpec>> {
    yield* this.recordsOf("service", this.fold.services.keys()) as Iterable<
      AggregateRecord<ServiceSpec>
    >;
  }

  *policies(): Iterable<AggregateRecord<PolicySpec>> {
    yield* this.recordsOf("policy", this.fold.policies.keys()) as Iterable<
      AggregateRecord<PolicySpec>
    >;
  }

  private *recordsOf(kind: AggregateKind, folded: Iterable<string>): Iterable<AnyRecord> {
    const seen = new Set<string>();
    for (const id of folded) {
      seen.add(id);
      const r = this.record(kind, id);
      if (r !== undefined) yield r;
    }
    for (const [id, r] of this.overlay[kind]) if (!seen.has(id)) yield r;
  }

  /** Stream sequence of the subject's last event as known here (0 = none). */
  subjectSeq(subject: string): number {
    return this.sequences.subjectSeq(subject);
  }

  /** Highest event sequence of a group (0 = no event). */
  headOf(group: string): number {
    return this.sequences.headOf(group);
  }

  /** Groups that have had events, sorted. */
  groups(): string[] {
    return this.sequences.groups();
  }

  /** How many events of `group` the follower saw with a sequence above `seq`. */
  eventsAfter(group: string, seq: number): number {
    return this.sequences.eventsAfter(group, seq);
  }
}
