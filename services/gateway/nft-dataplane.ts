// The production dataplane: libs/nft's Syncer over the real nft (NftRunner),
// optionally inside a network namespace. In dry-run every sync is a full render
// checked by `nft -c` against the kernel and nothing is committed, so there is no
// shadow state to diff against and nothing to drift.
import { NftRunner } from "../../libs/nft/runner.ts";
import type { NftExecutor } from "../../libs/nft/runner.ts";
import type { GatewaySettings } from "../../libs/nft/settings.ts";
import { Syncer } from "../../libs/nft/syncer.ts";
import type { Dataplane } from "./dataplane.ts";

export interface NftDataplaneOptions {
  readonly settings: GatewaySettings;
  /** Network namespace to apply in, or null for the host's. */
  readonly netns: string | null;
  readonly dryRun: boolean;
  /** Another executor (tests and benchmarks: FakeNft); default the real nft. */
  readonly executor?: NftExecutor;
}

/** A Dataplane applying with nft (see the file comment for dry-run). Throws NftError for a bad netns name. */
export function nftDataplane(o: NftDataplaneOptions): Dataplane {
  const real = o.executor ?? new NftRunner(o.netns === null ? {} : { netns: o.netns });
  if (!o.dryRun) {
    const syncer = new Syncer({ executor: real, settings: o.settings });
    return {
      sync: (inventory) => syncer.sync(inventory),
      requestFullSync: () => syncer.requestFullSync(),
      checkDrift: () => syncer.checkDrift(),
    };
  }
  const checkOnly: NftExecutor = {
    applyTransaction: (tx, opts) => real.applyTransaction(tx, { ...opts, check: true }),
    listTableJson: (table) => real.listTableJson(table),
  };
  const syncer = new Syncer({ executor: checkOnly, settings: o.settings });
  return {
    sync: (inventory) => {
      syncer.requestFullSync();
      return syncer.sync(inventory);
    },
    requestFullSync: () => undefined,
    checkDrift: () => Promise.resolve({ clean: true, differences: [] }),
  };
}
