// The desired ruleset as data: what the owned tables should contain. The builder
// produces it from an inventory; full and incremental transactions are derived
// from it; the syncer keeps the last committed one as its shadow copy.
// Maps keep insertion order, and the builder inserts in a sorted order, so
// iterating a Ruleset is deterministic.

/** Base chain hook spec; `priority` is an nft priority keyword or number. */
export interface BaseChainSpec {
  readonly type: "nat" | "filter";
  readonly hook: "prerouting" | "postrouting" | "forward" | "input" | "output";
  readonly priority: "dstnat" | "srcnat" | "filter";
  readonly policy: "accept";
}

/** A chain and its rules in order; `base` is null for regular chains. */
export interface ChainModel {
  readonly name: string;
  readonly base: BaseChainSpec | null;
  readonly rules: readonly string[];
}

/** A named set or map. Element keys and values are canonical nft literals. */
export interface SetModel {
  readonly name: string;
  readonly kind: "set" | "map";
  /** Key type, e.g. `ipv4_addr . inet_proto . inet_service`. */
  readonly keyType: string;
  /** Data type of a map (`verdict`, `ipv4_addr . inet_service`); null for sets. */
  readonly dataType: string | null;
  readonly flags: readonly string[];
  /** Default element timeout in seconds, or null. */
  readonly timeoutSeconds: number | null;
  /** Maximum number of elements, or null for the kernel default. */
  readonly size: number | null;
  /** Static elements: key -> value (null for sets). Empty for dynamic sets. */
  readonly elements: ReadonlyMap<string, string | null>;
  /**
   * Dynamic sets are filled by the packet path. When this token changes, an
   * incremental sync flushes the set (e.g. affinity entries of a service whose
   * endpoints changed would point at stale endpoints). Null for static sets.
   */
  readonly resetToken: string | null;
}

/** One owned table (family inet). */
export interface TableModel {
  readonly family: "inet";
  readonly name: string;
  readonly chains: ReadonlyMap<string, ChainModel>;
  readonly sets: ReadonlyMap<string, SetModel>;
}

/** Everything the gateway owns in the kernel: one or two tables. */
export interface Ruleset {
  readonly tables: readonly TableModel[];
}
