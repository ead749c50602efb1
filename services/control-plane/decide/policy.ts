// Deciders for network policies: put (create or replace) and delete. Policies have
// no cross-object rules: their targets are endpoint addresses, which may or may not
// exist yet (a policy written before its endpoints protects them from the start).
import { ProblemList, quote } from "../../../libs/domain/input.ts";
import { readPolicy } from "../../../libs/domain/validate-policy.ts";
import { sameSpec } from "./canonical.ts";
import { accept, eventOf, invalid, type Decision, type WriteContext } from "./decision.ts";
import { withUrlId } from "./service.ts";
import type { DecisionState } from "./state.ts";

export interface PutPolicy {
  readonly type: "putPolicy";
  readonly id: string;
  readonly input: unknown;
  readonly expectedVersion?: number;
}

export interface DeletePolicy {
  readonly type: "deletePolicy";
  readonly id: string;
  readonly expectedVersion?: number;
}

/**
 * Put a policy. `version_conflict` when `expectedVersion` differs from the current
 * version (0 = never written); `invalid` with every problem (own rules, id other than
 * the url's, group change); else one PolicyUpserted event, or none when unchanged.
 */
export function decidePutPolicy(cmd: PutPolicy, state: DecisionState, ctx: WriteContext): Decision {
  const current = state.policy(cmd.id);
  const currentVersion = current?.version ?? 0;
  if (cmd.expectedVersion !== undefined && cmd.expectedVersion !== currentVersion)
    return {
      outcome: "version_conflict",
      kind: "policy",
      id: cmd.id,
      expectedVersion: cmd.expectedVersion,
      currentVersion,
    };
  const problems = new ProblemList();
  const body = withUrlId(cmd.input, "id", cmd.id, problems);
  const spec = readPolicy(body, "", problems);
  if (spec === null || problems.count > 0) return invalid(problems.items);
  const live = current?.spec ?? null;
  if (live !== null && live.group !== spec.group)
    return invalid([
      {
        path: "group",
        message:
          `${quote(spec.group)} is not the group of policy ${quote(spec.id)} (${quote(live.group)}); ` +
          `a group cannot change: delete the policy and create it again`,
      },
    ]);
  if (live !== null && sameSpec(live, spec)) return accept([]);
  const event = eventOf(ctx, "policy", spec.id, spec.group, currentVersion + 1, {
    type: "PolicyUpserted",
    spec,
  });
  return accept([event], [], live === null ? [`policy/${spec.id}`] : []);
}

/** Delete a policy: a PolicyDeleted tombstone; `not_found` when it is not live. */
export function decideDeletePolicy(
  cmd: DeletePolicy,
  state: DecisionState,
  ctx: WriteContext,
): Decision {
  const current = state.policy(cmd.id);
  if (current === undefined || current.spec === null)
    return { outcome: "not_found", kind: "policy", id: cmd.id };
  if (cmd.expectedVersion !== undefined && cmd.expectedVersion !== current.version)
    return {
      outcome: "version_conflict",
      kind: "policy",
      id: cmd.id,
      expectedVersion: cmd.expectedVersion,
      currentVersion: current.version,
    };
  return accept([
    eventOf(ctx, "policy", cmd.id, current.group, current.version + 1, { type: "PolicyDeleted" }),
  ]);
}
