// fast-check arbitraries for valid inventories and gateway settings (valid by
// construction: unique ids, distinct vips per service, canonical addresses).
import fc from "fast-check";
import type {
  Endpoint,
  EndpointsSpec,
  Inventory,
  PolicySpec,
  ServiceSpec,
} from "../../../libs/domain/model.ts";
import type { GatewaySettings } from "../../../libs/nft/settings.ts";
import { DEFAULT_GATEWAY_SETTINGS } from "../../../libs/nft/settings.ts";

const ENDPOINT_POOL = [
  ...Array.from({ length: 8 }, (_, i) => `192.0.2.${i + 1}`),
  ...Array.from({ length: 4 }, (_, i) => `2001:db8:1::${i + 1}`),
];
const RANGE_POOL = ["198.51.100.0/24", "192.0.2.0/25", "2001:db8:100::/48"];
const PORT_POOL = [
  { protocol: "tcp", port: 80, targetPort: 8080 },
  { protocol: "tcp", port: 443, targetPort: 443 },
  { protocol: "udp", port: 53, targetPort: 53 },
  { protocol: "sctp", port: 9, targetPort: 9999 },
] as const;

const endpointArb: fc.Arbitrary<Endpoint> = fc.record({
  address: fc.constantFrom(...ENDPOINT_POOL),
  port: fc.option(fc.constantFrom(8080, 9090), { nil: null }),
  weight: fc.integer({ min: 1, max: 5 }),
  state: fc.constantFrom("ready" as const, "ready" as const, "draining" as const),
});

function dedupeEndpoints(eps: Endpoint[]): Endpoint[] {
  const seen = new Map<string, Endpoint>();
  for (const e of eps) seen.set(`${e.address}/${e.port ?? 0}`, e);
  return [...seen.values()].sort((a, b) =>
    a.address < b.address ? -1 : a.address > b.address ? 1 : (a.port ?? 0) - (b.port ?? 0),
  );
}

/** The shape of one random service (its index gives its id and vips). */
export const serviceBodyArb = fc.record({
  v4: fc.boolean(),
  v6: fc.boolean(),
  ports: fc.subarray([...PORT_POOL], { minLength: 1 }),
  scheduler: fc.constantFrom("round-robin" as const, "random" as const, "source-hash" as const),
  sourceRanges: fc.subarray(RANGE_POOL),
  sessionAffinity: fc.option(fc.record({ timeoutSeconds: fc.integer({ min: 1, max: 3600 }) }), {
    nil: null,
  }),
  snat: fc.constantFrom(null, true, false),
  endpoints: fc.array(endpointArb, { maxLength: 5 }),
});

const ipBlockArb = fc.constantFrom(
  { cidr: "198.51.100.0/24", except: [] },
  { cidr: "198.51.100.0/24", except: ["198.51.100.128/25", "198.51.100.0/28"] },
  { cidr: "2001:db8:100::/48", except: ["2001:db8:100:1::/64"] },
  { cidr: "0.0.0.0/0", except: [] },
);
const policyPortArb = fc.constantFrom(
  { protocol: "tcp" as const, port: 8080, endPort: null },
  { protocol: "udp" as const, port: 9000, endPort: 9010 },
  { protocol: "sctp" as const, port: null, endPort: null },
  { protocol: "tcp" as const, port: 443, endPort: 443 },
);
/** The shape of one random policy (its index gives its id). */
export const policyBodyArb = fc.record({
  targets: fc.subarray(ENDPOINT_POOL, { minLength: 1, maxLength: 4 }),
  ingress: fc.array(
    fc.record({
      from: fc.array(ipBlockArb, { maxLength: 2 }),
      ports: fc.array(policyPortArb, { maxLength: 2 }),
    }),
    { maxLength: 2 },
  ),
});

/** A valid inventory: up to 6 services (ids s0…), up to 3 policies (ids p0…). */
export const inventoryArb: fc.Arbitrary<Inventory> = fc
  .record({
    services: fc.array(fc.option(serviceBodyArb, { nil: null }), { maxLength: 6 }),
    policies: fc.array(fc.option(policyBodyArb, { nil: null }), { maxLength: 3 }),
  })
  .map(({ services, policies }) => {
    const specs: ServiceSpec[] = [];
    const endpoints: Inventory["endpoints"][number][] = [];
    services.forEach((s, k) => {
      if (s === null) return;
      const made = serviceOf(k, s);
      specs.push(made.spec);
      endpoints.push(made.endpoints);
    });
    const pols: PolicySpec[] = [];
    policies.forEach((p, k) => {
      if (p !== null) pols.push(policyOf(k, p));
    });
    return { services: specs, endpoints, policies: pols };
  });

/** Service `s<k>` (vips 203.0.113.<10+k>, 2001:db8::<10+k>) and its endpoints from a body. */
export function serviceOf(
  k: number,
  s: ServiceBody,
): { spec: ServiceSpec; endpoints: EndpointsSpec } {
  const vips = [
    ...(s.v4 || !s.v6 ? [`203.0.113.${10 + k}`] : []),
    ...(s.v6 ? [`2001:db8::${10 + k}`] : []),
  ];
  const id = `s${k}`;
  return {
    spec: {
      id,
      group: "default",
      vips,
      ports: s.ports.map((p) => ({ ...p })),
      scheduler: s.scheduler,
      sourceRanges: s.sourceRanges,
      sessionAffinity: s.sessionAffinity,
      snat: s.snat,
    },
    endpoints: { serviceId: id, group: "default", endpoints: dedupeEndpoints(s.endpoints) },
  };
}

/** Policy `p<k>` from a body. */
export function policyOf(k: number, p: PolicyBody): PolicySpec {
  return { id: `p${k}`, group: "default", targets: [...p.targets].sort(), ingress: p.ingress };
}

export type ServiceBody = typeof serviceBodyArb extends fc.Arbitrary<infer T> ? T : never;
export type PolicyBody = typeof policyBodyArb extends fc.Arbitrary<infer T> ? T : never;

/** Endpoint lists as the validator leaves them: one per address and port, sorted. */
export const endpointsArb: fc.Arbitrary<Endpoint[]> = fc
  .array(endpointArb, { maxLength: 5 })
  .map(dedupeEndpoints);

/** Valid settings: snat on/off, filter table on/off, a few marks and names. */
export const settingsArb: fc.Arbitrary<GatewaySettings> = fc.record({
  natTableName: fc.constantFrom("lbaas", "lb_nat"),
  natPreroutingChain: fc.constant("prerouting"),
  natPostroutingChain: fc.constant("postrouting"),
  filterTableName: fc.constantFrom("lbaas-filter", ""),
  filterForwardChain: fc.constant("forward"),
  enableSnat: fc.boolean(),
  fwmarkBits: fc.constantFrom(0x1, 0x100),
  fwmarkMask: fc.constant(0xff01),
});

export { DEFAULT_GATEWAY_SETTINGS };
