// Maglev consistent hashing (Eisenbud et al., NSDI '16), weighted, in pure TS.
// Every gateway computes the same slot table from the same endpoint list, so a
// flow hashed to slot s reaches the same endpoint on every gateway; adding or
// removing one endpoint moves about 1/N of the slots.
//
// The table is part of the cross-gateway contract: the hash (FNV-1a 32 of the
// UTF-8 endpoint key with two fixed salts) and the population order must never
// change without changing SOURCE_HASH_SEED at the same time.

/** Slot-table size for up to 32 selectable endpoints (prime; 8+ slots each). */
export const MAGLEV_SLOTS = 257;

/** Larger primes used when a service has more endpoints (>= 8 slots each). */
const LARGER_SLOTS = [521, 1031, 2053, 4099, 8209, 16411, 32771, 65537] as const;

/** Table size for `count` endpoints: 257 up to 32 endpoints, then the next prime with >= 8 slots each. */
export function maglevSize(count: number): number {
  if (count * 8 <= MAGLEV_SLOTS) return MAGLEV_SLOTS;
  return LARGER_SLOTS.find((m) => m >= count * 8) ?? 65537;
}

/** FNV-1a 32-bit over the UTF-16 code units of `text` (ASCII keys only in practice). */
export function fnv1a32(text: string, salt: number): number {
  let h = (0x811c9dc5 ^ salt) >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** One backend: a stable key (e.g. `192.0.2.11/8080`) and a weight >= 1. */
export interface MaglevBackend {
  readonly key: string;
  readonly weight: number;
}

/**
 * Builds the weighted Maglev lookup table: `table[slot]` is an index into
 * `backends`. Backends are taken in ascending key order whatever the input
 * order, and each population round lets backend i claim `weight` slots, so
 * shares follow the weights to within a slot or so. Empty input returns [].
 * `size` must be prime and larger than the number of backends.
 */
export function maglevTable(backends: readonly MaglevBackend[], size: number): number[] {
  if (backends.length === 0) return [];
  const order = backends
    .map((b, index) => ({ ...b, index }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const offset = order.map((b) => fnv1a32(b.key, 0x5bd1e995) % size);
  const skip = order.map((b) => (fnv1a32(b.key, 0x27d4eb2f) % (size - 1)) + 1);
  const next = order.map(() => 0);
  const table = new Array<number>(size).fill(-1);
  let filled = 0;
  for (;;) {
    for (let i = 0; i < order.length; i++) {
      const b = order[i] as (typeof order)[number];
      for (let turn = 0; turn < b.weight; turn++) {
        let slot = ((offset[i] ?? 0) + (next[i] ?? 0) * (skip[i] ?? 1)) % size;
        while (table[slot] !== -1) {
          next[i] = (next[i] ?? 0) + 1;
          slot = ((offset[i] ?? 0) + (next[i] ?? 0) * (skip[i] ?? 1)) % size;
        }
        table[slot] = b.index;
        next[i] = (next[i] ?? 0) + 1;
        if (++filled === size) return table;
      }
    }
  }
}
