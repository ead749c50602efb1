// Random sequences of changes to a valid inventory, applied the way the event
// fold applies them: only the changed aggregate gets a new object, every other
// spec keeps its identity (so the render state's reference check is exercised),
// plus whole clones (new objects, equal values) and whole replacements.
import fc from "fast-check";
import type { Endpoint, EndpointsSpec, Inventory } from "../../../libs/domain/model.ts";
import {
  endpointsArb,
  inventoryArb,
  policyBodyArb,
  policyOf,
  serviceBodyArb,
  serviceOf,
  type PolicyBody,
  type ServiceBody,
} from "./arbitraries.ts";

export type Step =
  | { kind: "service"; k: number; body: ServiceBody | null; keepEndpoints: boolean }
  | { kind: "endpoints"; k: number; endpoints: Endpoint[] }
  | { kind: "policy"; k: number; body: PolicyBody | null }
  | { kind: "clone" }
  | { kind: "replace"; inventory: Inventory };

/** One change: a service (s0…s7) or policy (p0…p4) upserted or deleted, endpoints replaced, … */
export const stepArb: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant("service" as const),
      k: fc.integer({ min: 0, max: 7 }),
      body: fc.option(serviceBodyArb, { nil: null, freq: 4 }),
      keepEndpoints: fc.boolean(),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant("endpoints" as const),
      k: fc.integer({ min: 0, max: 7 }),
      endpoints: endpointsArb,
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("policy" as const),
      k: fc.integer({ min: 0, max: 4 }),
      body: fc.option(policyBodyArb, { nil: null, freq: 4 }),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: "clone" as const }) },
  {
    weight: 1,
    arbitrary: inventoryArb.map((inventory) => ({ kind: "replace" as const, inventory })),
  },
);

function byId<T>(id: (x: T) => string): (a: T, b: T) => number {
  return (a, b) => (id(a) < id(b) ? -1 : id(a) > id(b) ? 1 : 0);
}

/** `inv` after `step`; unchanged specs keep their identity. */
export function applyStep(inv: Inventory, step: Step): Inventory {
  switch (step.kind) {
    case "clone":
      return structuredClone(inv);
    case "replace":
      return step.inventory;
    case "endpoints": {
      const id = `s${step.k}`;
      if (!inv.services.some((s) => s.id === id)) return inv;
      const spec: EndpointsSpec = { serviceId: id, group: "default", endpoints: step.endpoints };
      return { ...inv, endpoints: inv.endpoints.map((e) => (e.serviceId === id ? spec : e)) };
    }
    case "service": {
      const id = `s${step.k}`;
      const services = inv.services.filter((s) => s.id !== id);
      const endpoints = inv.endpoints.filter((e) => e.serviceId !== id);
      if (step.body !== null) {
        const made = serviceOf(step.k, step.body);
        services.push(made.spec);
        const old = inv.endpoints.find((e) => e.serviceId === id);
        endpoints.push(step.keepEndpoints && old !== undefined ? old : made.endpoints);
      }
      return {
        ...inv,
        services: services.sort(byId((s) => s.id)),
        endpoints: endpoints.sort(byId((e) => e.serviceId)),
      };
    }
    case "policy": {
      const id = `p${step.k}`;
      const policies = inv.policies.filter((p) => p.id !== id);
      if (step.body !== null) policies.push(policyOf(step.k, step.body));
      return { ...inv, policies: policies.sort(byId((p) => p.id)) };
    }
  }
}
