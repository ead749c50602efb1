// The fold of events into state, shared by the control plane, every gateway and audit
// replay (STYLE: Emmett's `initialState` / `evolve`). Pure: no clock, no I/O.
//
// State keeps, per aggregate {kind, id}: its current spec or a tombstone (null), its
// version, the stream sequence of its last event and its group; plus the last stream
// sequence folded, and the anomalies seen.
//
// Decisions (the fold is total: any sequence of events gives a state, never a throw):
// - Stream order is the truth. An event whose version is not current + 1 is still
//   applied, so every reader of the same stream computes the same state, and the
//   anomaly is recorded for audit: `version_gap` (versions were skipped) or
//   `version_regression` (a version at or below the current one, which optimistic
//   concurrency should make impossible).
// - An event at or below `lastSeq` is ignored and recorded (`stale_sequence`): it is
//   already covered, and re-applying it could roll an aggregate back.
// - A body of another kind than the envelope (only a bug can build one; the codec
//   refuses such bytes) is ignored and recorded (`invalid_event`).
// - A live aggregate whose next event names another group is moved and recorded
//   (`group_changed`): groups are immutable; a move is a tombstone, then an event in
//   the new group.
// - Versions belong to {kind, id}: a service deleted in one group and re-created in
//   another continues its version (v3 tombstone → v4 upsert), or the fold records a
//   regression.
// - At most MAX_ANOMALIES are kept; later ones are only counted.
//
// Cost: `applyEvent` is O(1) and mutates the state it is given (folding 1M events must
// not copy 10,000 aggregates per event); `evolve` is the pure wrapper that copies first
// (O(aggregates) per call: for tests, deciders and small states).
import type { EventBody, StoredEvent } from "../events/event.ts";
import { KIND_OF_TYPE } from "../events/event.ts";
import type { AggregateKind, EndpointsSpec, Inventory, PolicySpec, ServiceSpec } from "./model.ts";

/** What the fold knows about one aggregate. */
export interface AggregateRecord<S> {
  readonly kind: AggregateKind;
  readonly id: string;
  readonly group: string;
  /** Version of the last event applied (tombstones count). */
  readonly version: number;
  /** Stream sequence of that event. */
  readonly seq: number;
  /** The current spec, or null after a tombstone. */
  readonly spec: S | null;
}

export type AnomalyKind =
  "version_gap" | "version_regression" | "stale_sequence" | "group_changed" | "invalid_event";

/** Something in the stream that a correct writer never produces; audit reports these. */
export interface Anomaly {
  readonly type: AnomalyKind;
  readonly seq: number;
  readonly kind: AggregateKind;
  readonly id: string;
  /** The version the event carried, and the one the fold expected (current + 1). */
  readonly version: number;
  readonly expectedVersion: number;
  readonly message: string;
}

/** Read-only view of a folded state. */
export interface FoldState {
  readonly services: ReadonlyMap<string, AggregateRecord<ServiceSpec>>;
  readonly endpoints: ReadonlyMap<string, AggregateRecord<EndpointsSpec>>;
  readonly policies: ReadonlyMap<string, AggregateRecord<PolicySpec>>;
  /** The last stream sequence applied or skipped; 0 before any event. */
  readonly lastSeq: number;
  readonly anomalies: readonly Anomaly[];
  /** Anomalies seen beyond MAX_ANOMALIES (counted, not kept). */
  readonly anomaliesDropped: number;
}

/** A state that `applyEvent` may change in place. */
export interface WritableFoldState extends FoldState {
  services: Map<string, AggregateRecord<ServiceSpec>>;
  endpoints: Map<string, AggregateRecord<EndpointsSpec>>;
  policies: Map<string, AggregateRecord<PolicySpec>>;
  lastSeq: number;
  anomalies: Anomaly[];
  anomaliesDropped: number;
}

export const MAX_ANOMALIES = 10_000;

/** A fresh, empty state (no aggregates, lastSeq 0). */
export function initialState(): WritableFoldState {
  return {
    services: new Map(),
    endpoints: new Map(),
    policies: new Map(),
    lastSeq: 0,
    anomalies: [],
    anomaliesDropped: 0,
  };
}

type AnyRecord = AggregateRecord<ServiceSpec | EndpointsSpec | PolicySpec>;

function tableOf(state: FoldState, kind: AggregateKind): ReadonlyMap<string, AnyRecord> {
  return kind === "service"
    ? state.services
    : kind === "endpoints"
      ? state.endpoints
      : state.policies;
}

/** Records an anomaly of `stored` (kept up to MAX_ANOMALIES, counted after). */
function note(
  state: WritableFoldState,
  stored: StoredEvent,
  expectedVersion: number,
  type: AnomalyKind,
  detail: string,
): void {
  if (state.anomalies.length >= MAX_ANOMALIES) {
    state.anomaliesDropped++;
    return;
  }
  const { seq } = stored;
  const { kind, id, version } = stored.event.meta;
  const message = `seq ${seq}: ${kind} "${id}" v${version} ${detail}`;
  state.anomalies.push({ type, seq, kind, id, version, expectedVersion, message });
}

function specOf(body: EventBody): ServiceSpec | EndpointsSpec | PolicySpec | null {
  return "spec" in body ? body.spec : null;
}

/**
 * Applies one stored event to `state`, IN PLACE, in O(1); see the file comment for
 * what happens to out-of-order, gapped or inconsistent events (recorded, never thrown).
 */
export function applyEvent(state: WritableFoldState, stored: StoredEvent): void {
  const { seq, event } = stored;
  const { meta, body } = event;
  const current = tableOf(state, meta.kind).get(meta.id);
  const expectedVersion = (current?.version ?? 0) + 1;
  // The anomaly text is built only when there is one: this runs for every event.
  if (!Number.isSafeInteger(seq) || seq <= state.lastSeq) {
    const detail = `is at or before the last sequence folded (${state.lastSeq}); ignored`;
    note(state, stored, expectedVersion, "stale_sequence", detail);
    return;
  }
  state.lastSeq = seq;
  if (KIND_OF_TYPE[body.type] !== meta.kind) {
    note(state, stored, expectedVersion, "invalid_event", `carries a ${body.type} body; ignored`);
    return;
  }
  if (meta.version > expectedVersion) {
    const missing = `versions ${expectedVersion}-${meta.version - 1} are missing`;
    note(
      state,
      stored,
      expectedVersion,
      "version_gap",
      `follows v${expectedVersion - 1}: ${missing}`,
    );
  } else if (meta.version < expectedVersion) {
    note(state, stored, expectedVersion, "version_regression", `follows v${expectedVersion - 1}`);
  }
  if (current !== undefined && current.spec !== null && current.group !== meta.group) {
    const detail = `moves it from group "${current.group}" to "${meta.group}" without a tombstone`;
    note(state, stored, expectedVersion, "group_changed", detail);
  }
  const next = {
    kind: meta.kind,
    id: meta.id,
    group: meta.group,
    version: meta.version,
    seq,
    spec: specOf(body),
  };
  // The body's kind equals meta.kind (checked above), so `spec` has the table's type.
  if (meta.kind === "service") state.services.set(meta.id, next as AggregateRecord<ServiceSpec>);
  else if (meta.kind === "endpoints")
    state.endpoints.set(meta.id, next as AggregateRecord<EndpointsSpec>);
  else state.policies.set(meta.id, next as AggregateRecord<PolicySpec>);
}

/**
 * Pure `evolve`: a new state with `stored` applied; `state` is not changed. Copies
 * the aggregate maps (O(aggregates)); use applyEvent or foldEvents for long streams.
 */
export function evolve(state: FoldState, stored: StoredEvent): FoldState {
  const next: WritableFoldState = {
    services: new Map(state.services),
    endpoints: new Map(state.endpoints),
    policies: new Map(state.policies),
    lastSeq: state.lastSeq,
    anomalies: [...state.anomalies],
    anomaliesDropped: state.anomaliesDropped,
  };
  applyEvent(next, stored);
  return next;
}

/**
 * Folds events in order into `state` (a fresh one by default), which is mutated and
 * returned. Empty input returns the state unchanged.
 */
export function foldEvents(
  events: Iterable<StoredEvent>,
  state: WritableFoldState = initialState(),
): WritableFoldState {
  for (const e of events) applyEvent(state, e);
  return state;
}

/** Version of aggregate {kind, id}: 0 if it never had an event (tombstones keep theirs). */
export function versionOf(state: FoldState, kind: AggregateKind, id: string): number {
  return tableOf(state, kind).get(id)?.version ?? 0;
}

/** The record of aggregate {kind, id}, or undefined if it never had an event. */
export function recordOf(state: FoldState, kind: AggregateKind, id: string): AnyRecord | undefined {
  return tableOf(state, kind).get(id);
}

function liveSpecs<S extends { id: string; group: string }>(
  table: ReadonlyMap<string, AggregateRecord<S>>,
  group: string | undefined,
): S[] {
  const out: S[] = [];
  for (const r of table.values()) {
    if (r.spec !== null && (group === undefined || r.spec.group === group)) out.push(r.spec);
  }
  return out.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/**
 * The desired state of one gateway group (or of all groups when `group` is
 * undefined): live services and policies sorted by id, and one EndpointsSpec per
 * listed service, in the same order (an empty one when the service has no live
 * endpoints aggregate in its group). Endpoints of services that do not exist are left
 * out. Deterministic: equal states give equal JSON. Empty state → empty lists.
 */
export function inventoryOf(state: FoldState, group?: string): Inventory {
  const services = liveSpecs(state.services, group);
  const endpoints = services.map((s): EndpointsSpec => {
    const spec = state.endpoints.get(s.id)?.spec;
    return spec && spec.group === s.group
      ? spec
      : { serviceId: s.id, group: s.group, endpoints: [] };
  });
  return { services, endpoints, policies: liveSpecs(state.policies, group) };
}
