// Upcasting: old schema versions are rewritten, on read, into the current shape.
//
// Each step turns an event decoded with schema version N into version N + 1; a reader
// runs the steps from the event's version up to CURRENT_SCHEMA_VERSION. Steps work on
// the decoded protobuf objects (before re-validation), never on bytes, and never
// mutate their input. Writing old versions is not supported: writers always write
// the current one.
import type { lbaas } from "../../proto/gen/lbaas.js";
import { CURRENT_SCHEMA_VERSION } from "./event.ts";

export type WireEvent = lbaas.v1.Event.$Properties;

/** ENDPOINT_STATE_READY; a literal, so this module needs no runtime protobuf import. */
const ENDPOINT_STATE_READY = 1;

/**
 * v1 → v2: Endpoint gained `weight` (default 1) and `state` (default ready). A v1
 * writer knew neither field, so whatever the bytes say about them is ignored.
 */
function v1ToV2(ev: WireEvent): WireEvent {
  const spec = ev.endpointsReplaced?.spec;
  if (spec === null || spec === undefined) return ev;
  return {
    ...ev,
    endpointsReplaced: {
      spec: {
        serviceId: spec.serviceId ?? "",
        group: spec.group ?? "",
        endpoints: (spec.endpoints ?? []).map((e) => ({
          address: e.address ?? "",
          port: e.port ?? 0,
          weight: 1,
          state: ENDPOINT_STATE_READY,
        })),
      },
    },
  };
}

/** Step from version N (the key) to N + 1. */
const STEPS: ReadonlyMap<number, (ev: WireEvent) => WireEvent> = new Map([[1, v1ToV2]]);

/**
 * Rewrites a decoded event of schema version `from` into the current schema. A
 * current event is returned as is. Throws a RangeError for a version with no path to
 * the current one (callers check the version range first: the codec turns that into
 * a DecodeError `unknown_schema_version`).
 */
export function upcast(ev: WireEvent, from: number): WireEvent {
  let current = ev;
  for (let v = from; v < CURRENT_SCHEMA_VERSION; v++) {
    const step = STEPS.get(v);
    if (step === undefined) throw new RangeError(`no upcast from schema version ${v}`);
    current = step(current);
  }
  if (from > CURRENT_SCHEMA_VERSION)
    throw new RangeError(`schema version ${from} is newer than ${CURRENT_SCHEMA_VERSION}`);
  return current;
}
