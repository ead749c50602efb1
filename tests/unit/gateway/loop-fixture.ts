// An apply loop wired to libs/nft's Syncer over the in-memory FakeNft, a fake
// clock, and an array of published reports.
import type { GatewayReport } from "../../../libs/events/status.ts";
import { NftError } from "../../../libs/nft/errors.ts";
import { FakeNft } from "../../../libs/nft/fake.ts";
import type { NftExecutor, NftRunResult } from "../../../libs/nft/runner.ts";
import { DEFAULT_GATEWAY_SETTINGS } from "../../../libs/nft/settings.ts";
import { Syncer } from "../../../libs/nft/syncer.ts";
import type { Transaction } from "../../../libs/nft/render/transaction.ts";
import { ApplyLoop } from "../../../services/gateway/apply-loop.ts";
import type { Dataplane, DriftFinding } from "../../../services/gateway/dataplane.ts";
import { toIncoming, type RawMessage } from "../../../services/gateway/incoming.ts";
import { FakeTimers } from "./fake-timers.ts";

/** FakeNft that refuses the next `failNext` transactions as the kernel would (EEXIST-like). */
export class FlakyNft implements NftExecutor {
  readonly fake = new FakeNft();
  failNext = 0;
  attempts: Transaction[] = [];

  applyTransaction(tx: Transaction, opts?: { readonly check?: boolean }): Promise<NftRunResult> {
    this.attempts.push(tx);
    if (this.failNext > 0) {
      this.failNext -= 1;
      return Promise.reject(
        new NftError("failed", "nft -f -: error: could not process rule: device or resource busy"),
      );
    }
    return this.fake.applyTransaction(tx, opts);
  }

  listTableJson(table: string): Promise<unknown> {
    return this.fake.listTableJson(table);
  }
}

export interface LoopFixture {
  readonly loop: ApplyLoop;
  readonly timers: FakeTimers;
  readonly nft: FlakyNft;
  readonly syncer: Syncer;
  readonly reports: GatewayReport[];
  /** The next drift check's finding (the fake cannot list tables). */
  drift: DriftFinding;
  offer(m: RawMessage): void;
}

export function loopFixture(group = "g1"): LoopFixture {
  const timers = new FakeTimers();
  const nft = new FlakyNft();
  const syncer = new Syncer({ executor: nft, settings: DEFAULT_GATEWAY_SETTINGS });
  const reports: GatewayReport[] = [];
  const clean: DriftFinding = { clean: true, differences: [] };
  const f = {
    timers,
    nft,
    syncer,
    reports,
    drift: clean,
  } as unknown as LoopFixture & { loop: ApplyLoop };
  const dataplane: Dataplane = {
    sync: (inv) => syncer.sync(inv),
    requestFullSync: () => syncer.requestFullSync(),
    checkDrift: () => Promise.resolve(f.drift),
  };
  f.loop = new ApplyLoop({
    identity: { gatewayId: "gw-1", group },
    dataplane,
    timers,
    wallClock: () => 1_767_225_600_000 + timers.now(),
    coalesce: { quietMs: 50, maxMs: 200 },
    backoff: { baseMs: 500, maxMs: 30_000 },
    publish: (r) => reports.push(r),
  });
  f.offer = (m) => f.loop.offer(toIncoming(m, group));
  return f;
}
