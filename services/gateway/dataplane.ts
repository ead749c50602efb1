// The seam between the apply loop and nftables. libs/nft's Syncer satisfies it
// structurally (a Syncer over NftRunner in production, over FakeNft in unit tests);
// dry-run wraps the executor instead (check-executor.ts).
import type { Inventory } from "../../libs/domain/model.ts";

/** What one sync did. */
export interface SyncOutcome {
  /** `noop`: nothing changed, no nft call. */
  readonly kind: "full" | "incremental" | "noop";
  /** Render + nft time in milliseconds. */
  readonly durationMs: number;
  /** Hash of the ruleset committed after the sync. */
  readonly hash: string;
  /** Operations sent to nft (0 for noop). */
  readonly operations: number;
}

/** What a drift check found. */
export interface DriftFinding {
  readonly clean: boolean;
  /** Lower-case sentences naming each difference. */
  readonly differences: readonly string[];
}

/** Makes the kernel hold a desired state. */
export interface Dataplane {
  /**
   * Makes the owned tables hold the ruleset of `inventory`: full the first time and
   * after a failure or requestFullSync(), incremental otherwise. Rejects (NftError,
   * RenderError) leaving the previous ruleset in place; the next sync is then full.
   */
  sync(inventory: Inventory): Promise<SyncOutcome>;
  /** Forces the next sync to be full. */
  requestFullSync(): void;
  /** Lists the owned tables and compares them with what was committed. */
  checkDrift(): Promise<DriftFinding>;
}
