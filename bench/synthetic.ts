// A synthetic inventory for the benchmarks, in documentation address space only.
//
// Service i (ids "svc-00000"… so id order is index order) has VIP
// 203.0.113.(1 + i mod 250) and TCP port 1000 + ⌊i / 250⌋ → 8080, and `endpoints`
// endpoints on 192.0.2.20-249; policy k protects 192.0.2.(20 + k mod 230) and
// allows tcp/8080 from 198.51.100.0/24 except 198.51.100.128/25. The real
// backends of a topology (192.0.2.11-19) are never policy targets.
import type { EndpointsSpec, Inventory, PolicySpec, ServiceSpec } from "../libs/domain/model.ts";

/** Sizes of the inventory. */
export interface SyntheticSize {
  readonly services: number;
  readonly endpointsPerService: number;
  readonly policies: number;
}

/**
 * Builds the inventory; at most 10,000 services (the VIP:port plan's size) and
 * at most 230 endpoints per service. Zero sizes give empty lists.
 */
export function benchInventory(size: SyntheticSize): Inventory {
  if (size.services > 10_000) throw new RangeError(`services: ${size.services} > 10000`);
  if (size.endpointsPerService > 230) throw new RangeError(`endpointsPerService > 230`);
  const services: ServiceSpec[] = [];
  const endpoints: EndpointsSpec[] = [];
  for (let i = 0; i < size.services; i++) {
    const id = `svc-${String(i).padStart(5, "0")}`;
    services.push({
      id,
      group: "default",
      vips: [`203.0.113.${1 + (i % 250)}`],
      ports: [{ protocol: "tcp", port: 1000 + Math.floor(i / 250), targetPort: 8080 }],
      scheduler: "round-robin",
      sourceRanges: [],
      sessionAffinity: null,
      snat: null,
    });
    const addresses = Array.from(
      { length: size.endpointsPerService },
      (_, j) => 20 + ((i * size.endpointsPerService + j) % 230),
    ).sort((a, b) => a - b);
    endpoints.push({
      serviceId: id,
      group: "default",
      endpoints: addresses.map((a) => ({
        address: `192.0.2.${a}`,
        port: null,
        weight: 1,
        state: "ready" as const,
      })),
    });
  }
  const policies: PolicySpec[] = Array.from({ length: size.policies }, (_, k) => ({
    id: `pol-${String(k).padStart(5, "0")}`,
    group: "default",
    targets: [`192.0.2.${20 + (k % 230)}`],
    ingress: [
      {
        from: [{ cidr: "198.51.100.0/24", except: ["198.51.100.128/25"] }],
        ports: [{ protocol: "tcp", port: 8080, endPort: null }],
      },
    ],
  }));
  return { services, endpoints, policies };
}

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
