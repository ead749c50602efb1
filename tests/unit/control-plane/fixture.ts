// Builders for control-plane unit tests: a state from commands, a deterministic
// write context, and VIP pools.
import assert from "node:assert/strict";
import { foldEvents, initialState, type WritableFoldState } from "../../../libs/domain/state.ts";
import type { LbEvent } from "../../../libs/events/event.ts";
import {
  decide,
  type Command,
  type Decision,
} from "../../../services/control-plane/decide/decide.ts";
import type {
  DecideConfig,
  DecisionState,
  WriteContext,
} from "../../../services/control-plane/decide/decide.ts";
import { decisionStateOf } from "../../../services/control-plane/decide/state.ts";
import { readVipPools } from "../../../services/control-plane/decide/vip-pool.ts";

/** A write context with a fixed clock and counting event ids. */
export function context(): WriteContext {
  let n = 0;
  return {
    now: 1_700_000_000_000,
    actor: "tester",
    reason: "unit test",
    correlationId: "corr-1",
    newEventId: () => `ev-${++n}`,
  };
}

/** A config with the given pools (`{group: [cidr]}`) and the default endpoint limit. */
export function config(
  pools: Record<string, string[]> = {},
  maxEndpointsPerService = 1000,
): DecideConfig {
  const read = readVipPools(pools);
  assert.deepEqual(read.problems, []);
  return { pools: read.pools, maxEndpointsPerService };
}

/** A fold plus its decision state; `apply` decides a command and folds its events. */
export class World {
  readonly fold: WritableFoldState = initialState();
  readonly config: DecideConfig;
  private seq = 0;

  constructor(cfg: DecideConfig = config()) {
    this.config = cfg;
  }

  get state(): DecisionState {
    return decisionStateOf(this.fold);
  }

  decide(command: Command): Decision {
    return decide(command, this.state, this.config, context());
  }

  /** Folds events as if stored at the next sequences. */
  append(events: readonly LbEvent[]): void {
    foldEvents(
      events.map((event) => ({ seq: ++this.seq, event })),
      this.fold,
    );
  }

  /** Decides and folds; fails the test unless the decision is `events`. */
  apply(command: Command): LbEvent[] {
    const d = this.decide(command);
    assert.equal(d.outcome, "events", JSON.stringify(d));
    if (d.outcome !== "events") return [];
    this.append(d.events);
    return [...d.events];
  }
}

/** A small valid service body (documentation addresses). */
export function serviceBody(
  id: string,
  over: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    id,
    vips: ["203.0.113.10"],
    ports: [{ protocol: "tcp", port: 80, targetPort: 8080 }],
    ...over,
  };
}

/** The problems of an `invalid` decision (fails the test otherwise). */
export function problemsOf(
  d: Decision | { outcome: string; problems?: unknown },
): { path: string; message: string }[] {
  assert.equal(d.outcome, "invalid", JSON.stringify(d));
  return (d as { problems: { path: string; message: string }[] }).problems;
}
