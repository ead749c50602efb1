// The sync engine (kube-proxy's model): the first sync and any sync after a
// failure is full (atomic replacement of the owned tables); every other sync is
// incremental, computed against the shadow copy of what was last committed, never
// by listing the kernel. Unchanged input makes no nft call at all. Calls are
// serialized: a sync waits for the previous one.
import type { Inventory } from "../domain/model.ts";
import { checkDrift, type DriftReport } from "./drift.ts";
import { rulesetHash } from "./hash.ts";
import { renderFull, renderIncremental, type Rendered } from "./render/index.ts";
import type { Ruleset } from "./render/model.ts";
import { toScript } from "./render/script.ts";
import type { NftExecutor } from "./runner.ts";
import type { GatewaySettings } from "./settings.ts";

export interface SyncResult {
  readonly kind: "full" | "incremental" | "noop";
  /** Render + nft time in milliseconds. */
  readonly durationMs: number;
  /** nft time alone (0 for noop). */
  readonly applyMs: number;
  /** Hash of the ruleset now committed (see hash.ts). */
  readonly hash: string;
  /** Number of operations sent (0 for noop). */
  readonly operations: number;
  /** The script sent, when the syncer was created with `keepScript`. */
  readonly script?: string;
}

export interface SyncerOptions {
  readonly executor: NftExecutor;
  readonly settings: GatewaySettings;
  /** Keep the script of each sync in the result (for logs and the CLI). */
  readonly keepScript?: boolean;
}

/** Keeps the shadow copy and turns desired states into nft transactions. */
export class Syncer {
  private readonly options: SyncerOptions;
  private committed: Ruleset | null = null;
  private committedHash = "";
  private lastInventory: Inventory | null = null;
  private needFull = true;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(options: SyncerOptions) {
    this.options = options;
  }

  /** The ruleset the kernel holds according to the last successful sync, or null. */
  get committedRuleset(): Ruleset | null {
    return this.committed;
  }

  /** Forces the next sync to be full (e.g. after the tables were touched by hand). */
  requestFullSync(): void {
    this.needFull = true;
  }

  /**
   * Makes the kernel hold the ruleset of `inventory`. Full the first time and
   * after any failure, incremental otherwise, noop (no nft call) when nothing
   * changed. Rejects with NftError (nft failed: the kernel kept its previous
   * ruleset and the next sync will be full) or RenderError (unsafe input).
   */
  sync(inventory: Inventory): Promise<SyncResult> {
    const run = this.queue.then(() => this.syncNow(inventory));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Lists the owned tables and compares them with the committed ruleset. */
  async checkDrift(): Promise<DriftReport> {
    await this.queue;
    if (this.committed === null) return { clean: true, differences: [], durationMs: 0 };
    return checkDrift(this.options.executor, this.committed);
  }

  /** Repairs drift: a full sync of the last inventory (no-op before the first sync). */
  async repair(): Promise<SyncResult | null> {
    await this.queue;
    if (this.lastInventory === null) return null;
    this.needFull = true;
    return this.sync(this.lastInventory);
  }

  private async syncNow(inventory: Inventory): Promise<SyncResult> {
    const started = performance.now();
    const { settings } = this.options;
    if (!this.needFull && this.committed !== null && inventory === this.lastInventory)
      return this.noop(started);
    let rendered: Rendered;
    try {
      rendered =
        this.needFull || this.committed === null
          ? renderFull(inventory, settings, this.committed)
          : renderIncremental(this.committed, inventory, settings);
    } catch (err) {
      this.needFull = true;
      throw err;
    }
    if (rendered.kind === "incremental" && rendered.tx.length === 0) {
      this.lastInventory = inventory;
      this.committed = rendered.ruleset;
      return this.noop(started);
    }
    let applyMs: number;
    try {
      applyMs = (await this.options.executor.applyTransaction(rendered.tx)).durationMs;
    } catch (err) {
      this.needFull = true;
      throw err;
    }
    this.committed = rendered.ruleset;
    this.committedHash = rulesetHash(rendered.ruleset);
    this.lastInventory = inventory;
    this.needFull = false;
    return {
      kind: rendered.kind,
      durationMs: performance.now() - started,
      applyMs,
      hash: this.committedHash,
      operations: rendered.tx.length,
      ...(this.options.keepScript === true ? { script: toScript(rendered.tx) } : {}),
    };
  }

  private noop(started: number): SyncResult {
    return {
      kind: "noop",
      durationMs: performance.now() - started,
      applyMs: 0,
      hash: this.committedHash,
      operations: 0,
    };
  }
}
