// Public API of libs/nft. See README.md for the theory of the ruleset.
export * from "./render/index.ts";
export {
  DEFAULT_GATEWAY_SETTINGS,
  SETTINGS_KEYS,
  validateGatewaySettings,
  type GatewaySettings,
  type SettingsResult,
} from "./settings.ts";
export {
  NftError,
  isNftError,
  isNotFound,
  isExists,
  classifyStderr,
  type NftErrorCode,
} from "./errors.ts";
export { NftRunner, type NftExecutor, type NftRunnerOptions, type NftRunResult } from "./runner.ts";
export { Syncer, type SyncResult, type SyncerOptions } from "./syncer.ts";
export { checkDrift, type DriftReport } from "./drift.ts";
export { rulesetHash } from "./hash.ts";
export { FakeNft } from "./fake.ts";
export { syntheticInventory, type SyntheticOptions } from "./synthetic.ts";
