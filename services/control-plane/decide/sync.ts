// Bulk declarative sync: the minimal list of events that brings the current state to
// a desired inventory document (the shape of the inventory file).
//
// - Unchanged objects (equal canonical specs) produce nothing; a service without an
//   endpoints aggregate and one with an empty list are the same.
// - Prune (opt-in per call): live services and policies of the groups in SCOPE that
//   the document does not name are deleted (a service's endpoints with it). Scope =
//   every group the document's services and policies name, plus `options.groups`
//   (so an empty document can empty a named group). Groups outside the scope are never
//   touched; without prune nothing is deleted.
// - Cross-object rules are checked against the objects that stay (neither in the
//   document nor pruned); the document's own consistency by validateInventory.
// - Publish order: deletes (endpoints, services, policies), then service updates,
//   service creates, endpoints replacements, policy upserts; by id within each step.
//   Freeing comes before claiming; between two events of a sync a gateway may still
//   see an intermediate state (no multi-subject atomic append on nats-server 2.9).
import { at, field, isRecord, ProblemList } from "../../../libs/domain/input.ts";
import type {
  AggregateKind,
  EndpointsSpec,
  Inventory,
  Problem,
  ServiceSpec,
} from "../../../libs/domain/model.ts";
import { validateInventory } from "../../../libs/domain/validate.ts";
import type { LbEvent } from "../../../libs/events/event.ts";
import { isAutoToken, resolveAutoVips } from "./auto-vips.ts";
import { addressIndex, checkAgainstState, NO_POSITIONS, positionsOf } from "./sync-checks.ts";
import { sameSpec } from "./canonical.ts";
import { eventOf, type Allocation, type WriteContext } from "./decision.ts";
import type { DecideConfig, DecisionState } from "./state.ts";

export interface SyncOptions {
  /** Delete live objects of the scope's groups that the document does not name. */
  readonly prune: boolean;
  /** Groups added to the scope beyond those the document names. */
  readonly groups?: readonly string[];
}

export type ChangeAction = "create" | "update" | "delete";

/** One planned event. */
export interface PlannedChange {
  readonly action: ChangeAction;
  readonly kind: AggregateKind;
  readonly id: string;
  readonly group: string;
  /** The version the event creates. */
  readonly version: number;
  readonly event: LbEvent;
}

export type SyncPlan =
  | {
      readonly outcome: "plan";
      /** In publish order. */
      readonly changes: readonly PlannedChange[];
      /** Aggregates of the document that need no event, per kind. */
      readonly unchanged: Readonly<Record<AggregateKind, number>>;
      readonly allocations: readonly Allocation[];
      /** The groups prune applies to (sorted; empty without prune). */
      readonly scope: readonly string[];
    }
  | { readonly outcome: "invalid"; readonly problems: readonly Problem[] };

/** True when a raw service asks for an `auto` VIP (or uses the `vip` shorthand). */
function hasAutoVip(s: unknown): boolean {
  if (!isRecord(s)) return false;
  const vips = field(s, "vips");
  return Object.hasOwn(s, "vip") || (Array.isArray(vips) && vips.some(isAutoToken));
}

/** Replaces `auto` VIPs in every service of the raw document (see auto-vips.ts). */
function resolveDocument(
  doc: Record<string, unknown>,
  state: DecisionState,
  config: DecideConfig,
  problems: ProblemList,
): { doc: Record<string, unknown>; allocations: Allocation[] } {
  const services = field(doc, "services");
  if (!Array.isArray(services) || !services.some(hasAutoVip)) return { doc, allocations: [] };
  // Addresses the document itself uses: never allocate one of them.
  const used = new Set<string>();
  for (const s of services) {
    if (!isRecord(s)) continue;
    for (const a of addressIndex(field(s, "vips"), null).keys()) used.add(a);
    for (const a of addressIndex(field(s, "endpoints"), "address").keys()) used.add(a);
  }
  const allocations: Allocation[] = [];
  const out = services.map((s: unknown, i) => {
    const id = isRecord(s) ? field(s, "id") : undefined;
    const current = typeof id === "string" ? (state.service(id)?.spec ?? null) : null;
    const r = resolveAutoVips(s, at("services", i), problems, {
      pools: config.pools,
      current,
      taken: (a) =>
        used.has(a) || state.claims.isVip(a) || state.claims.servicesWithEndpoint(a).size > 0,
    });
    for (const a of r.allocations) used.add(a.address);
    allocations.push(...r.allocations);
    return r.input;
  });
  return { doc: { ...doc, services: out }, allocations };
}

/**
 * Plans the sync of `input` (an untrusted inventory document) against `state`.
 * Never throws. Returns every problem (document rules, `auto` VIPs, group changes,
 * claims of staying services, pools, endpoint limits), or the plan: events in
 * publish order with their versions, counts of unchanged aggregates, allocations and
 * the prune scope. An empty document without prune plans nothing.
 */
export function planSync(
  input: unknown,
  state: DecisionState,
  config: DecideConfig,
  ctx: WriteContext,
  options: SyncOptions,
): SyncPlan {
  const problems = new ProblemList();
  const resolved = isRecord(input) ? resolveDocument(input, state, config, problems) : null;
  const validated = validateInventory(resolved?.doc ?? input);
  if (!validated.ok)
    return { outcome: "invalid", problems: [...problems.items, ...validated.problems] };
  if (problems.count > 0 || resolved === null)
    return { outcome: "invalid", problems: problems.items };
  const desired = validated.value;

  const scope = new Set<string>(options.groups ?? []);
  for (const s of desired.services) scope.add(s.group);
  for (const p of desired.policies) scope.add(p.group);
  const inDoc = new Set(desired.services.map((s) => s.id));
  const policyInDoc = new Set(desired.policies.map((p) => p.id));
  const prunedServices: ServiceSpec[] = [];
  const prunedPolicies: string[] = [];
  if (options.prune) {
    for (const r of state.services())
      if (r.spec !== null && scope.has(r.spec.group) && !inDoc.has(r.id))
        prunedServices.push(r.spec);
    for (const r of state.policies())
      if (r.spec !== null && scope.has(r.spec.group) && !policyInDoc.has(r.id))
        prunedPolicies.push(r.id);
  }
  const pruned = new Set(prunedServices.map((s) => s.id));
  const replaced = (id: string): boolean => inDoc.has(id) || pruned.has(id);

  // Paths need the input positions, which cost a parse of every address: find out
  // first whether there is any problem, and compute them only then.
  checkAgainstState(desired, NO_POSITIONS, state, config, replaced, problems);
  if (problems.count > 0) {
    const withPaths = new ProblemList();
    checkAgainstState(desired, positionsOf(resolved.doc), state, config, replaced, withPaths);
    return { outcome: "invalid", problems: withPaths.items };
  }

  return {
    outcome: "plan",
    ...diff(desired, prunedServices, prunedPolicies, state, ctx),
    allocations: resolved.allocations,
    scope: options.prune ? [...scope].sort() : [],
  };
}

/** The events of a validated plan, in publish order (see the file comment). */
function diff(
  desired: Inventory,
  prunedServices: readonly ServiceSpec[],
  prunedPolicies: readonly string[],
  state: DecisionState,
  ctx: WriteContext,
): { changes: PlannedChange[]; unchanged: Record<AggregateKind, number> } {
  const unchanged: Record<AggregateKind, number> = { service: 0, endpoints: 0, policy: 0 };
  const steps: PlannedChange[][] = [[], [], [], [], [], [], []];
  const [epDeletes, svcDeletes, polDeletes, svcUpdates, svcCreates, epChanges, polChanges] =
    steps as [
      PlannedChange[],
      PlannedChange[],
      PlannedChange[],
      PlannedChange[],
      PlannedChange[],
      PlannedChange[],
      PlannedChange[],
    ];
  const change = (
    list: PlannedChange[],
    action: ChangeAction,
    kind: AggregateKind,
    id: string,
    group: string,
    version: number,
    body: LbEvent["body"],
  ): void =>
    void list.push({
      action,
      kind,
      id,
      group,
      version,
      event: eventOf(ctx, kind, id, group, version, body),
    });

  for (const s of [...prunedServices].sort((a, b) => (a.id < b.id ? -1 : 1))) {
    const svc = state.service(s.id);
    const eps = state.endpoints(s.id);
    if (eps?.spec != null)
      change(epDeletes, "delete", "endpoints", s.id, eps.group, eps.version + 1, {
        type: "EndpointsDeleted",
      });
    if (svc !== undefined)
      change(svcDeletes, "delete", "service", s.id, svc.group, svc.version + 1, {
        type: "ServiceDeleted",
      });
  }
  for (const id of [...prunedPolicies].sort()) {
    const p = state.policy(id);
    if (p !== undefined)
      change(polDeletes, "delete", "policy", id, p.group, p.version + 1, { type: "PolicyDeleted" });
  }
  desired.services.forEach((spec, n) => {
    const rec = state.service(spec.id);
    const live = rec?.spec ?? null;
    const version = (rec?.version ?? 0) + 1;
    if (live === null)
      change(svcCreates, "create", "service", spec.id, spec.group, version, {
        type: "ServiceUpserted",
        spec,
      });
    else if (!sameSpec(live, spec))
      change(svcUpdates, "update", "service", spec.id, spec.group, version, {
        type: "ServiceUpserted",
        spec,
      });
    else unchanged.service++;
    const eps = desired.endpoints[n] as EndpointsSpec;
    const epRec = state.endpoints(spec.id);
    const liveEps = epRec?.spec ?? null;
    const epVersion = (epRec?.version ?? 0) + 1;
    const body = { type: "EndpointsReplaced", spec: eps } as const;
    if (liveEps === null ? eps.endpoints.length === 0 : sameSpec(liveEps, eps))
      unchanged.endpoints++;
    else
      change(
        epChanges,
        liveEps === null ? "create" : "update",
        "endpoints",
        spec.id,
        spec.group,
        epVersion,
        body,
      );
  });
  for (const spec of desired.policies) {
    const rec = state.policy(spec.id);
    const live = rec?.spec ?? null;
    const version = (rec?.version ?? 0) + 1;
    if (live !== null && sameSpec(live, spec)) unchanged.policy++;
    else
      change(
        polChanges,
        live === null ? "create" : "update",
        "policy",
        spec.id,
        spec.group,
        version,
        { type: "PolicyUpserted", spec },
      );
  }
  return { changes: steps.flat(), unchanged };
}
