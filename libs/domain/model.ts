// The domain model: what the inventory declares and what every gateway renders.
//
// These are plain, immutable data types. Validation (validate.ts) turns untrusted
// input into these types or returns every problem with its field path; nothing
// else in the project constructs them from raw input.

/** Transport protocols a service port or a policy port can use. */
export type Protocol = "tcp" | "udp" | "sctp";
export const PROTOCOLS: readonly Protocol[] = ["tcp", "udp", "sctp"];

/** How a gateway picks an endpoint for a new flow. */
export type Scheduler = "round-robin" | "random" | "source-hash";
export const SCHEDULERS: readonly Scheduler[] = ["round-robin", "random", "source-hash"];

/** Endpoint states: `draining` endpoints get no new flows; open flows continue. */
export type EndpointState = "ready" | "draining";
export const ENDPOINT_STATES: readonly EndpointState[] = ["ready", "draining"];

/** The gateway group a service belongs to when none is given. */
export const DEFAULT_GROUP = "default";

/** One port of a service: traffic to `vip:port` over `protocol` goes to `endpoint:targetPort`. */
export interface ServicePort {
  readonly protocol: Protocol;
  /** 1-65535. */
  readonly port: number;
  /** 1-65535; an endpoint's own `port`, when set, wins over it. */
  readonly targetPort: number;
}

/** Client-IP session affinity: a client keeps its endpoint while it sends within `timeoutSeconds`. */
export interface SessionAffinity {
  readonly timeoutSeconds: number;
}

/**
 * A load-balanced service. `id` is a DNS label (lower-case letters, digits and `-`,
 * at most 63 characters) so it is safe in NATS subjects and nftables names.
 */
export interface ServiceSpec {
  readonly id: string;
  /** Gateway group whose gateways apply this service; immutable after creation. */
  readonly group: string;
  /** Virtual IPs, IPv4 and/or IPv6, in canonical text form; at least one. */
  readonly vips: readonly string[];
  /** At least one; no two with the same protocol and port. */
  readonly ports: readonly ServicePort[];
  readonly scheduler: Scheduler;
  /** Allowed client CIDRs in canonical form; empty means every client. */
  readonly sourceRanges: readonly string[];
  /** Client-IP affinity, or null for none. */
  readonly sessionAffinity: SessionAffinity | null;
  /** Masquerade override for this service; null inherits the gateway's `enable-snat`. */
  readonly snat: boolean | null;
}

/** A backend of a service. */
export interface Endpoint {
  /** IPv4 or IPv6 address in canonical text form. */
  readonly address: string;
  /** Overrides the service port's `targetPort` when set (1-65535). */
  readonly port: number | null;
  /** Relative share of new flows, 1-100. */
  readonly weight: number;
  readonly state: EndpointState;
}

/** The endpoints of one service (aggregate id = service id). */
export interface EndpointsSpec {
  readonly serviceId: string;
  readonly group: string;
  /** Sorted by address then port; no duplicates of address and port. */
  readonly endpoints: readonly Endpoint[];
}

/** A source block of an ingress rule: `cidr` minus every `except` block. */
export interface IpBlock {
  readonly cidr: string;
  /** Each inside `cidr` and of the same family. */
  readonly except: readonly string[];
}

/** A destination port (range) of an ingress rule; `port` null means every port of `protocol`. */
export interface PolicyPort {
  readonly protocol: Protocol;
  readonly port: number | null;
  /** Last port of a range, >= port; null for a single port. */
  readonly endPort: number | null;
}

/**
 * One ingress rule. Empty `from` means every source; empty `ports` means every
 * port and protocol (as in Kubernetes NetworkPolicy).
 */
export interface IngressRule {
  readonly from: readonly IpBlock[];
  readonly ports: readonly PolicyPort[];
}

/**
 * A network policy protecting endpoint addresses. Load-balanced flows to a
 * selected address are allowed only if some ingress rule of some policy
 * selecting it allows them (union of allows, default deny). An empty `ingress`
 * denies every load-balanced flow to the targets.
 */
export interface PolicySpec {
  readonly id: string;
  readonly group: string;
  /** Endpoint addresses (IPv4/IPv6) this policy selects. */
  readonly targets: readonly string[];
  readonly ingress: readonly IngressRule[];
}

/** The three aggregate kinds; each has its own subject and version sequence. */
export type AggregateKind = "service" | "endpoints" | "policy";
export const AGGREGATE_KINDS: readonly AggregateKind[] = ["service", "endpoints", "policy"];

/** A field-level problem found by validation. */
export interface Problem {
  /** JSON-path-like location, e.g. `services[2].ports[0].port`. */
  readonly path: string;
  /** Lower-case message that quotes the offending value. */
  readonly message: string;
}

/**
 * A whole desired state: what a gateway group should run. The inventory file
 * (services with inline endpoints, and policies) validates into this shape, and
 * folding the event log yields it too. Lists are sorted by id.
 */
export interface Inventory {
  readonly services: readonly ServiceSpec[];
  readonly endpoints: readonly EndpointsSpec[];
  readonly policies: readonly PolicySpec[];
}
