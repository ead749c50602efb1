// A synthetic inventory for load measurements and benchmarks. Addresses stay in
// the documentation ranges: IPv4 VIPs come from 203.0.113.0/24 with many ports
// each, IPv4 endpoints from 192.0.2.0/24 and 198.51.100.0/24 (addresses repeat
// across services, each service's endpoints are distinct); with `family: "v6"`
// everything is unique inside 2001:db8::/32. Pure and deterministic.
import type {
  EndpointsSpec,
  Inventory,
  PolicySpec,
  Scheduler,
  ServiceSpec,
} from "../domain/model.ts";

export interface SyntheticOptions {
  readonly services: number;
  readonly endpointsPerService: number;
  readonly policies: number;
  /** Schedulers assigned round-robin over services; default all round-robin. */
  readonly schedulers?: readonly Scheduler[];
  /** Address family of VIPs, endpoints and policy targets; default v4. */
  readonly family?: "v4" | "v6";
  readonly group?: string;
}

function pad(n: number): string {
  return n.toString().padStart(5, "0");
}

function v4Endpoint(n: number): string {
  const k = n % 508;
  return k < 254 ? `192.0.2.${k + 1}` : `198.51.100.${k - 253}`;
}

/**
 * Builds `services` services (ids `svc00000`…, one tcp port each) with
 * `endpointsPerService` ready endpoints of weight 1, and `policies` policies
 * (`pol00000`…), policy i selecting the endpoints of service i (modulo the
 * service count) and allowing tcp 8080 and 9000-9010 from 198.51.100.0/24
 * except 198.51.100.128/25. Limits (v4): 250 VIPs × 64,535 ports.
 */
export function syntheticInventory(o: SyntheticOptions): Inventory {
  const group = o.group ?? "default";
  const v6 = o.family === "v6";
  const schedulers = o.schedulers ?? ["round-robin"];
  const services: ServiceSpec[] = [];
  const endpoints: EndpointsSpec[] = [];
  const targetsOf: string[][] = [];
  for (let i = 0; i < o.services; i++) {
    const id = `svc${pad(i)}`;
    const vip = v6 ? `2001:db8:1::${(i + 1).toString(16)}` : `203.0.113.${(i % 250) + 1}`;
    const port = v6 ? 80 : 1000 + Math.floor(i / 250);
    services.push({
      id,
      group,
      vips: [vip],
      ports: [{ protocol: "tcp", port, targetPort: 8080 }],
      scheduler: schedulers[i % schedulers.length] ?? "round-robin",
      sourceRanges: [],
      sessionAffinity: null,
      snat: null,
    });
    const eps = [];
    for (let j = 0; j < o.endpointsPerService; j++) {
      const n = i * o.endpointsPerService + j;
      const address = v6 ? `2001:db8:2::${(n + 1).toString(16)}` : v4Endpoint(n);
      eps.push({
        address,
        port: v6 ? null : 8000 + (Math.floor(n / 508) % 1000),
        weight: 1,
        state: "ready" as const,
      });
    }
    eps.sort((a, b) =>
      a.address < b.address ? -1 : a.address > b.address ? 1 : (a.port ?? 0) - (b.port ?? 0),
    );
    endpoints.push({ serviceId: id, group, endpoints: eps });
    targetsOf.push([...new Set(eps.map((e) => e.address))].sort());
  }
  const policies: PolicySpec[] = [];
  for (let p = 0; p < o.policies; p++) {
    policies.push({
      id: `pol${pad(p)}`,
      group,
      targets: o.services > 0 ? (targetsOf[p % o.services] ?? []) : [],
      ingress: [
        {
          from: [{ cidr: "198.51.100.0/24", except: ["198.51.100.128/25"] }],
          ports: [
            { protocol: "tcp", port: 8080, endPort: null },
            { protocol: "tcp", port: 9000, endPort: 9010 },
          ],
        },
      ],
    });
  }
  return { services, endpoints, policies };
}
