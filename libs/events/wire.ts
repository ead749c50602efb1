// Mapping between the domain specs (libs/domain/model.ts) and their protobuf messages.
//
// To the wire: from validated specs, total. From the wire: into plain untrusted
// objects shaped like validator input, never into domain types directly: the codec
// re-validates them with today's rules. Unknown enum numbers are passed through as
// numbers, which every validator refuses ("0 is not a protocol (tcp, udp, sctp)"),
// and zero values keep their "not set" meaning (port 0 → null).
import { lbaas } from "../../proto/gen/lbaas.js";
import type {
  EndpointState,
  EndpointsSpec,
  PolicySpec,
  Protocol,
  Scheduler,
  ServiceSpec,
} from "../domain/model.ts";

const pb = lbaas.v1;
export type WireService = lbaas.v1.ServiceSpec.$Properties;
export type WireEndpoints = lbaas.v1.EndpointsSpec.$Properties;
export type WirePolicy = lbaas.v1.PolicySpec.$Properties;

const PROTOCOL: ReadonlyMap<Protocol, lbaas.v1.Protocol> = new Map([
  ["tcp", pb.Protocol.PROTOCOL_TCP],
  ["udp", pb.Protocol.PROTOCOL_UDP],
  ["sctp", pb.Protocol.PROTOCOL_SCTP],
]);
const SCHEDULER: ReadonlyMap<Scheduler, lbaas.v1.Scheduler> = new Map([
  ["round-robin", pb.Scheduler.SCHEDULER_ROUND_ROBIN],
  ["random", pb.Scheduler.SCHEDULER_RANDOM],
  ["source-hash", pb.Scheduler.SCHEDULER_SOURCE_HASH],
]);
const ENDPOINT_STATE: ReadonlyMap<EndpointState, lbaas.v1.EndpointState> = new Map([
  ["ready", pb.EndpointState.ENDPOINT_STATE_READY],
  ["draining", pb.EndpointState.ENDPOINT_STATE_DRAINING],
]);

/** Inverts a domain→wire enum map. */
function inverse<K, V>(m: ReadonlyMap<K, V>): ReadonlyMap<V, K> {
  return new Map([...m].map(([k, v]) => [v, k]));
}
const PROTOCOL_BACK = inverse(PROTOCOL);
const SCHEDULER_BACK = inverse(SCHEDULER);
const ENDPOINT_STATE_BACK = inverse(ENDPOINT_STATE);

/** Domain value for a wire enum number, or the raw number for validators to refuse. */
function fromEnum<V extends number, T>(
  back: ReadonlyMap<V, T>,
  value: V | null | undefined,
): T | number {
  const n = value ?? 0;
  return back.get(n as V) ?? n;
}

/** Enum value of a domain value; callers pass validated values, so the fallback is 0. */
function toEnum<K, V extends number>(m: ReadonlyMap<K, V>, key: K): V {
  return m.get(key) ?? (0 as V);
}

export function serviceToWire(s: ServiceSpec): WireService {
  return {
    id: s.id,
    group: s.group,
    vips: [...s.vips],
    ports: s.ports.map((p) => ({
      protocol: toEnum(PROTOCOL, p.protocol),
      port: p.port,
      targetPort: p.targetPort,
    })),
    scheduler: toEnum(SCHEDULER, s.scheduler),
    sourceRanges: [...s.sourceRanges],
    sessionAffinity:
      s.sessionAffinity === null ? null : { timeoutSeconds: s.sessionAffinity.timeoutSeconds },
    snat:
      s.snat === null
        ? pb.Snat.SNAT_INHERIT
        : s.snat
          ? pb.Snat.SNAT_ENABLED
          : pb.Snat.SNAT_DISABLED,
  };
}

function snatFromWire(value: lbaas.v1.Snat | null | undefined): boolean | null | number {
  const n = value ?? 0;
  if (n === pb.Snat.SNAT_INHERIT) return null;
  if (n === pb.Snat.SNAT_ENABLED) return true;
  if (n === pb.Snat.SNAT_DISABLED) return false;
  return n;
}

/** A decoded ServiceSpec as validator input (null when the message is absent). */
export function serviceFromWire(w: WireService | null | undefined): unknown {
  if (w === null || w === undefined) return null;
  return {
    id: w.id ?? "",
    group: w.group ?? "",
    vips: [...(w.vips ?? [])],
    ports: (w.ports ?? []).map((p) => ({
      protocol: fromEnum(PROTOCOL_BACK, p.protocol),
      port: p.port ?? 0,
      targetPort: p.targetPort ?? 0,
    })),
    scheduler: fromEnum(SCHEDULER_BACK, w.scheduler),
    sourceRanges: [...(w.sourceRanges ?? [])],
    sessionAffinity:
      w.sessionAffinity === null || w.sessionAffinity === undefined
        ? null
        : { timeoutSeconds: w.sessionAffinity.timeoutSeconds ?? 0 },
    snat: snatFromWire(w.snat),
  };
}

export function endpointsToWire(e: EndpointsSpec): WireEndpoints {
  return {
    serviceId: e.serviceId,
    group: e.group,
    endpoints: e.endpoints.map((x) => ({
      address: x.address,
      port: x.port ?? 0,
      weight: x.weight,
      state: toEnum(ENDPOINT_STATE, x.state),
    })),
  };
}

/** A decoded EndpointsSpec (already upcast to the current schema) as validator input. */
export function endpointsFromWire(w: WireEndpoints | null | undefined): unknown {
  if (w === null || w === undefined) return null;
  return {
    serviceId: w.serviceId ?? "",
    group: w.group ?? "",
    endpoints: (w.endpoints ?? []).map((x) => ({
      address: x.address ?? "",
      port: x.port ? x.port : null,
      weight: x.weight ?? 0,
      state: fromEnum(ENDPOINT_STATE_BACK, x.state),
    })),
  };
}

export function policyToWire(p: PolicySpec): WirePolicy {
  return {
    id: p.id,
    group: p.group,
    targets: [...p.targets],
    ingress: p.ingress.map((r) => ({
      from: r.from.map((b) => ({ cidr: b.cidr, except: [...b.except] })),
      ports: r.ports.map((x) => ({
        protocol: toEnum(PROTOCOL, x.protocol),
        port: x.port ?? 0,
        endPort: x.endPort ?? 0,
      })),
    })),
  };
}

/** A decoded PolicySpec as validator input. */
export function policyFromWire(w: WirePolicy | null | undefined): unknown {
  if (w === null || w === undefined) return null;
  return {
    id: w.id ?? "",
    group: w.group ?? "",
    targets: [...(w.targets ?? [])],
    ingress: (w.ingress ?? []).map((r) => ({
      from: (r.from ?? []).map((b) => ({ cidr: b.cidr ?? "", except: [...(b.except ?? [])] })),
      ports: (r.ports ?? []).map((x) => ({
        protocol: fromEnum(PROTOCOL_BACK, x.protocol),
        port: x.port ? x.port : null,
        endPort: x.endPort ? x.endPort : null,
      })),
    })),
  };
}
