// The control plane's pure core: commands → events, or problems, or a conflict.
// No I/O, no clock, no randomness: everything arrives as arguments (STYLE: Emmett's
// deciders). The HTTP edge builds commands; the writer publishes the events.
import type { Decision, WriteContext } from "./decision.ts";
import { decideDeleteEndpoints, decidePutEndpoints } from "./endpoints.ts";
import type { DeleteEndpoints, PutEndpoints } from "./endpoints.ts";
import { decideDeletePolicy, decidePutPolicy } from "./policy.ts";
import type { DeletePolicy, PutPolicy } from "./policy.ts";
import { decideDeleteService, decidePutService } from "./service.ts";
import type { DeleteService, PutService } from "./service.ts";
import type { DecideConfig, DecisionState } from "./state.ts";

export type Command =
  PutService | DeleteService | PutEndpoints | DeleteEndpoints | PutPolicy | DeletePolicy;

export type { Decision, WriteContext } from "./decision.ts";
export type { DecideConfig, DecisionState } from "./state.ts";

/**
 * Decides one command against the current state. Never throws on any input: bad
 * input gives `invalid` with every problem; a stale expected version gives
 * `version_conflict`; an unknown id `not_found`; otherwise `events` (possibly none
 * when the command changes nothing).
 */
export function decide(
  command: Command,
  state: DecisionState,
  config: DecideConfig,
  ctx: WriteContext,
): Decision {
  switch (command.type) {
    case "putService":
      return decidePutService(command, state, config, ctx);
    case "deleteService":
      return decideDeleteService(command, state, ctx);
    case "putEndpoints":
      return decidePutEndpoints(command, state, config, ctx);
    case "deleteEndpoints":
      return decideDeleteEndpoints(command, state, ctx);
    case "putPolicy":
      return decidePutPolicy(command, state, ctx);
    case "deletePolicy":
      return decideDeletePolicy(command, state, ctx);
  }
}
