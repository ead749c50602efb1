// Shaping libs/nft's syntheticInventory for traffic benchmarks: point the last
// service (last in id order, so last in a linear layout's scan) at the real
// backends of a topology, and cut a small inventory with the same target.
import type { Inventory } from "../libs/domain/model.ts";

/**
 * The same inventory with the LAST service (last in id order, so last in a
 * linear layout's scan) pointed at the given real backends. Throws when the
 * inventory has no service.
 */
export function withTargetBackends(inventory: Inventory, addresses: readonly string[]): Inventory {
  const last = inventory.services.at(-1);
  if (!last) throw new RangeError("inventory has no service");
  return {
    ...inventory,
    endpoints: inventory.endpoints.map((e) =>
      e.serviceId !== last.id
        ? e
        : {
            ...e,
            endpoints: addresses.map((address) => ({
              address,
              port: null,
              weight: 1,
              state: "ready" as const,
            })),
          },
    ),
  };
}

/**
 * The first `n - 1` services of `inventory` plus its last one (with their
 * endpoints), and its first `n` policies: a small ruleset whose traffic target
 * is the same as the big one's. `n` below 1 is treated as 1.
 */
export function headAndLast(inventory: Inventory, n: number): Inventory {
  const k = Math.max(0, n - 1);
  const last = inventory.services.at(-1);
  const lastEndpoints = inventory.endpoints.filter((e) => e.serviceId === last?.id);
  const head = inventory.services.slice(0, Math.min(k, inventory.services.length - 1));
  const ids = new Set(head.map((s) => s.id));
  return {
    services: [...head, ...(last ? [last] : [])],
    endpoints: [...inventory.endpoints.filter((e) => ids.has(e.serviceId)), ...lastEndpoints],
    policies: inventory.policies.slice(0, Math.max(1, n)),
  };
}
