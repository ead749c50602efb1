// Builds valid Inventory values for tests (the domain validator is not needed here).
import type {
  Endpoint,
  EndpointsSpec,
  IngressRule,
  Inventory,
  PolicySpec,
  ServicePort,
  ServiceSpec,
} from "../../../libs/domain/model.ts";

export type ServiceInput = Partial<Omit<ServiceSpec, "ports">> & {
  id: string;
  ports?: Array<Partial<ServicePort> & { port: number }>;
  endpoints?: Array<Partial<Endpoint> & { address: string }>;
};

/** A service with defaults: group default, tcp, targetPort = port, round-robin, no ranges. */
export function service(input: ServiceInput): { spec: ServiceSpec; endpoints: EndpointsSpec } {
  const ports = (input.ports ?? [{ port: 80 }]).map((p) => ({
    protocol: p.protocol ?? "tcp",
    port: p.port,
    targetPort: p.targetPort ?? p.port,
  }));
  const spec: ServiceSpec = {
    id: input.id,
    group: input.group ?? "default",
    vips: input.vips ?? ["203.0.113.10"],
    ports,
    scheduler: input.scheduler ?? "round-robin",
    sourceRanges: input.sourceRanges ?? [],
    sessionAffinity: input.sessionAffinity ?? null,
    snat: input.snat ?? null,
  };
  const endpoints = (input.endpoints ?? []).map((e) => ({
    address: e.address,
    port: e.port ?? null,
    weight: e.weight ?? 1,
    state: e.state ?? "ready",
  }));
  return { spec, endpoints: { serviceId: input.id, group: spec.group, endpoints } };
}

/** A policy with defaults: group default. */
export function policy(
  id: string,
  targets: string[],
  ingress: Array<Partial<IngressRule>>,
): PolicySpec {
  return {
    id,
    group: "default",
    targets,
    ingress: ingress.map((r) => ({ from: r.from ?? [], ports: r.ports ?? [] })),
  };
}

/** An inventory from services (with their endpoints) and policies. */
export function inventory(
  services: Array<ReturnType<typeof service>>,
  policies: PolicySpec[] = [],
): Inventory {
  return {
    services: services.map((s) => s.spec).sort((a, b) => (a.id < b.id ? -1 : 1)),
    endpoints: services
      .map((s) => s.endpoints)
      .sort((a, b) => (a.serviceId < b.serviceId ? -1 : 1)),
    policies: [...policies].sort((a, b) => (a.id < b.id ? -1 : 1)),
  };
}
