// The rendered state a gateway last committed, kept per object: each service's
// and each policy's fragment with the specs it was rendered from, plus indexes
// over what the objects share (dispatch keys, SNAT overrides, pod chains). A
// sync re-renders only the objects whose specs changed (the fold hands out new
// spec objects only for aggregates that changed: compared by reference, then
// structurally) and diffs only their fragments and the elements they touch
// (fragment-diff.ts): O(change) instead of O(ruleset).
import type { Endpoint, Inventory, PolicySpec, ServiceSpec } from "../../domain/model.ts";
import type { GatewaySettings } from "../settings.ts";
import {
  assembleRuleset,
  endpointsById,
  renderObjects,
  type RenderedPolicy,
  type RenderedService,
} from "./build.ts";
import { podsOf, type PodEntry } from "./filter.ts";
import {
  diffFragments,
  overrideKey,
  type PolicyChange,
  type ServiceChange,
} from "./fragment-diff.ts";
import type { Ruleset } from "./model.ts";
import { policyFragment } from "./policy-fragment.ts";
import { serviceFragment, type ServiceFragment } from "./service-fragment.ts";
import { sameData } from "./same-data.ts";
import type { Operation } from "./transaction.ts";

const NO_ENDPOINTS: readonly Endpoint[] = [];

/** An incremental transaction and how to make the state follow it. */
export interface RenderPlan {
  /** The operations (empty when nothing in the kernel changes). */
  readonly tx: Operation[];
  /**
   * What the change touches, as partial rulesets: every chain, set and element
   * named in `before` takes its value in `after`, or is gone if `after` lacks it.
   */
  readonly delta: { readonly before: Ruleset; readonly after: Ruleset };
  /** Makes the state the planned one; call once the kernel accepted `tx`. Throws if the state moved on. */
  commit(): void;
}

/** Per-object rendered state of one gateway (settings fixed). */
export class RenderState {
  readonly settings: GatewaySettings;
  private readonly services = new Map<string, RenderedService>();
  private readonly policies = new Map<string, RenderedPolicy>();
  /** Service owning each dispatch key. */
  private readonly dispatchOwner = new Map<string, string>();
  /** Number of SNAT override keys per `family protocol`. */
  private readonly overrideCount = new Map<string, number>();
  /** Pods by address: the policies selecting it, sorted. */
  private readonly pods = new Map<string, PodEntry>();
  private assembled: Ruleset | null = null;
  private generation = 0;

  private constructor(settings: GatewaySettings) {
    this.settings = settings;
  }

  /**
   * Renders `inventory` whole: the state and its ruleset (equal to
   * buildRuleset's). Throws RenderError on unsafe values, like buildRuleset.
   */
  static build(
    inventory: Inventory,
    settings: GatewaySettings,
  ): { state: RenderState; ruleset: Ruleset } {
    const objects = renderObjects(inventory, settings);
    const ruleset = assembleRuleset(
      settings,
      objects.services.map((s) => s.fragment),
      objects.policies.map((p) => p.fragment),
    );
    const state = new RenderState(settings);
    for (const s of objects.services) {
      state.services.set(s.spec.id, s);
      state.index(s.fragment, 1);
    }
    for (const p of objects.policies) state.policies.set(p.spec.id, p);
    for (const pod of podsOf(objects.policies.map((p) => p.fragment)))
      state.pods.set(pod.address, pod);
    state.assembled = ruleset;
    return { state, ruleset };
  }

  /** Names of the tables this state owns, in ruleset order. */
  tableNames(): string[] {
    const { natTableName, filterTableName } = this.settings;
    return filterTableName === "" ? [natTableName] : [natTableName, filterTableName];
  }

  /** The committed ruleset, equal to buildRuleset of the committed inventory (assembled on demand). */
  ruleset(): Ruleset {
    if (this.assembled === null) {
      const services = [...this.services.keys()].sort().map((id) => this.fragmentOf(id));
      const policies = [...this.policies.keys()]
        .sort()
        .map((id) => (this.policies.get(id) as RenderedPolicy).fragment);
      this.assembled = assembleRuleset(this.settings, services, policies);
    }
    return this.assembled;
  }

  /**
   * Plans the incremental transaction from this state to `next`: exactly the
   * operations diffRuleset(this.ruleset(), buildRuleset(next)) returns, computed
   * from the changed objects only. Returns null when the change cannot be
   * planned piece by piece (ids listed twice, two services on one vip and port):
   * the caller then uses the whole-ruleset path, which reports the problem.
   * Throws RenderError when a changed object has unsafe values.
   */
  plan(next: Inventory): RenderPlan | null {
    const services = this.changedServices(next);
    if (services === null) return null;
    const policies = this.settings.filterTableName === "" ? [] : this.changedPolicies(next);
    if (policies === null) return null;
    const diff = diffFragments(
      {
        settings: this.settings,
        dispatchOwner: this.dispatchOwner,
        overrideCount: this.overrideCount,
        pods: this.pods,
      },
      services.filter((c) => c.rendered),
      policies.filter((c) => c.rendered),
    );
    if (diff === null) return null;
    const generation = this.generation;
    return {
      tx: diff.tx,
      delta: { before: diff.before, after: diff.after },
      commit: () => {
        if (this.generation !== generation) throw new Error("render state: stale plan");
        this.generation++;
        for (const c of services) this.commitService(c);
        for (const c of policies) {
          if (c.after === null) this.policies.delete(c.id);
          else this.policies.set(c.id, c.after);
        }
        for (const [address, pod] of diff.pods) {
          if (pod === null) this.pods.delete(address);
          else this.pods.set(address, pod);
        }
        if (services.some((c) => c.rendered) || policies.some((c) => c.rendered))
          this.assembled = null;
      },
    };
  }

  private fragmentOf(id: string): ServiceFragment {
    return (this.services.get(id) as RenderedService).fragment;
  }

  private commitService(c: ServiceChange): void {
    if (c.rendered && c.before !== null) this.index(c.before, -1);
    if (c.rendered && c.after !== null) this.index(c.after.fragment, 1);
    if (c.after === null) this.services.delete(c.id);
    else this.services.set(c.id, c.after);
  }

  /** Adds (+1) or removes (-1) a fragment's keys from the shared indexes. */
  private index(f: ServiceFragment, sign: 1 | -1): void {
    for (const d of f.dispatch)
      if (sign === 1) this.dispatchOwner.set(d.key, f.id);
      else if (this.dispatchOwner.get(d.key) === f.id) this.dispatchOwner.delete(d.key);
    for (const o of f.overrides) {
      const k = overrideKey(o.family, o.protocol);
      this.overrideCount.set(k, (this.overrideCount.get(k) ?? 0) + sign);
    }
  }

  /** Services added, removed or changed (rendered), and reference-only updates; null on duplicate ids. */
  private changedServices(next: Inventory): ServiceChange[] | null {
    const list = next.services;
    const eps = next.endpoints;
    let aligned = eps.length === list.length;
    for (let i = 0; aligned && i < list.length; i++) aligned = eps[i]?.serviceId === list[i]?.id;
    const byId = aligned ? null : endpointsById(next);
    if (hasDuplicateIds(list)) return null;
    const changes: ServiceChange[] = [];
    let kept = 0;
    for (let i = 0; i < list.length; i++) {
      const spec = list[i] as ServiceSpec;
      const endpoints = (byId === null ? eps[i]?.endpoints : byId.get(spec.id)) ?? NO_ENDPOINTS;
      const entry = this.services.get(spec.id);
      if (entry !== undefined) {
        kept++;
        if (entry.spec === spec && entry.endpoints === endpoints) continue;
        if (sameData(entry.spec, spec) && sameData(entry.endpoints, endpoints)) {
          const after = { spec, endpoints, fragment: entry.fragment };
          changes.push({ id: spec.id, before: entry.fragment, after, rendered: false });
          continue;
        }
      }
      const after = { spec, endpoints, fragment: serviceFragment(spec, endpoints, this.settings) };
      changes.push({ id: spec.id, before: entry?.fragment ?? null, after, rendered: true });
    }
    if (kept < this.services.size) {
      const ids = new Set(list.map((s) => s.id));
      for (const [id, entry] of this.services)
        if (!ids.has(id)) changes.push({ id, before: entry.fragment, after: null, rendered: true });
    }
    return changes;
  }

  /** Policies added, removed or changed, and reference-only updates; null on duplicate ids. */
  private changedPolicies(next: Inventory): PolicyChange[] | null {
    const list = next.policies;
    if (hasDuplicateIds(list)) return null;
    const changes: PolicyChange[] = [];
    let kept = 0;
    for (const spec of list) {
      const entry = this.policies.get(spec.id);
      if (entry !== undefined) {
        kept++;
        if (entry.spec === spec) continue;
        if (sameData(entry.spec, spec)) {
          const after = { spec, fragment: entry.fragment };
          changes.push({ id: spec.id, before: entry.fragment, after, rendered: false });
          continue;
        }
      }
      const after = { spec, fragment: policyFragment(spec) };
      changes.push({ id: spec.id, before: entry?.fragment ?? null, after, rendered: true });
    }
    if (kept < this.policies.size) {
      const ids = new Set(list.map((p) => p.id));
      for (const [id, entry] of this.policies)
        if (!ids.has(id)) changes.push({ id, before: entry.fragment, after: null, rendered: true });
    }
    return changes;
  }
}

/** True when two objects of `list` share an id (cheap for lists sorted by id). */
function hasDuplicateIds(list: ReadonlyArray<ServiceSpec | PolicySpec>): boolean {
  let sorted = true;
  for (let i = 1; sorted && i < list.length; i++)
    sorted = (list[i - 1] as { id: string }).id < (list[i] as { id: string }).id;
  if (sorted) return false;
  return new Set(list.map((x) => x.id)).size !== list.length;
}
