// The sync engine (kube-proxy's model): the first sync and any sync after a
// failure is full (atomic replacement of the owned tables); every other sync is
// incremental, computed against the shadow copy of what was last committed, never
// by listing the kernel. Unchanged input makes no nft call at all. Calls are
// serialized: a sync waits for the previous one.
//
// The shadow copy is a RenderState (render/render-state.ts): the fragment of every
// service and policy with the specs it came from. An incremental sync re-renders
// only the objects that changed and diffs only their fragments, so its cost is
// proportional to the change (render + diff + hash ~1 ms for one service of
// 10,000); the whole-ruleset render and diff remain as the reference and as the
// path that reports invalid input. The hash is updated per unit (hash.ts).
import type { Inventory } from "../domain/model.ts";
import { checkDrift, type DriftReport } from "./drift.ts";
import { RulesetHasher } from "./hash.ts";
import { replaceTables } from "./render/full.ts";
import { renderIncremental } from "./render/index.ts";
import type { Ruleset } from "./render/model.ts";
import { RenderState, type RenderPlan } from "./render/render-state.ts";
import { toScript } from "./render/script.ts";
import { operationCount, type Transaction } from "./render/transaction.ts";
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

/** A rendered sync, and how to make it the committed state once nft accepted it. */
interface PendingSync {
  readonly kind: "full" | "incremental";
  readonly tx: Transaction;
  /** Work done while nft runs (e.g. hashing a full ruleset); idempotent, never throws. */
  readonly prepare?: () => void;
  readonly commit: () => void;
}

/** Keeps the shadow copy and turns desired states into nft transactions. */
export class Syncer {
  private readonly options: SyncerOptions;
  private state: RenderState | null = null;
  private hasher: RulesetHasher | null = null;
  private committedHash = "";
  private lastInventory: Inventory | null = null;
  private needFull = true;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(options: SyncerOptions) {
    this.options = options;
  }

  /** The ruleset the kernel holds according to the last successful sync, or null. */
  get committedRuleset(): Ruleset | null {
    return this.state?.ruleset() ?? null;
  }

  /** Forces the next sync to be full (e.g. after the tables were touched by hand). */
  requestFullSync(): void {
    this.needFull = true;
  }

  /**
   * Makes the kernel hold the ruleset of `inventory`. Full the first time and
   * after any failure, incremental otherwise, noop (no nft call) when nothing
   * changed. Specs are values: a spec object seen in the last sync is taken as
   * unchanged (the fold makes a new object for every aggregate that changes;
   * never mutate one in place). Rejects with NftError (nft failed: the kernel
   * kept its previous ruleset and the next sync will be full) or RenderError
   * (unsafe input; the next sync will be full).
   */
  sync(inventory: Inventory): Promise<SyncResult> {
    const run = this.queue.then(() => this.syncNow(inventory));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Lists the owned tables and compares them with the committed ruleset. */
  async checkDrift(): Promise<DriftReport> {
    await this.queue;
    if (this.state === null) return { clean: true, differences: [], durationMs: 0 };
    return checkDrift(this.options.executor, this.state.ruleset());
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
    if (!this.needFull && this.state !== null && inventory === this.lastInventory)
      return this.noop(started);
    let pending: PendingSync;
    try {
      pending = this.render(inventory);
    } catch (err) {
      this.needFull = true;
      throw err;
    }
    if (pending.kind === "incremental" && pending.tx.length === 0) {
      pending.commit();
      this.lastInventory = inventory;
      return this.noop(started);
    }
    let applyMs: number;
    try {
      const opts = pending.prepare === undefined ? {} : { whileRunning: pending.prepare };
      applyMs = (await this.options.executor.applyTransaction(pending.tx, opts)).durationMs;
    } catch (err) {
      this.needFull = true;
      throw err;
    }
    pending.commit();
    this.committedHash = (this.hasher as RulesetHasher).digest();
    this.lastInventory = inventory;
    this.needFull = false;
    return {
      kind: pending.kind,
      durationMs: performance.now() - started,
      applyMs,
      hash: this.committedHash,
      operations: operationCount(pending.tx),
      ...(this.options.keepScript === true ? { script: toScript(pending.tx) } : {}),
    };
  }

  /** Renders the sync to `inventory`: full, the fast incremental path, or the reference one. */
  private render(inventory: Inventory): PendingSync {
    const { settings } = this.options;
    const state = this.state;
    if (this.needFull || state === null) {
      const built = RenderState.build(inventory, settings);
      // Hashing 10,000 services takes ~80 ms: done while nft runs when the executor allows.
      let hasher: RulesetHasher | null = null;
      const prepare = (): void => void (hasher ??= RulesetHasher.of(built.ruleset));
      return {
        kind: "full",
        tx: replaceTables(built.ruleset, state?.tableNames() ?? []),
        prepare,
        commit: () => {
          prepare();
          this.state = built.state;
          this.hasher = hasher;
        },
      };
    }
    let plan: RenderPlan | null;
    try {
      plan = state.plan(inventory);
    } catch {
      plan = null; // the reference path below reports the problem
    }
    if (plan !== null) {
      const planned = plan;
      return {
        kind: "incremental",
        tx: planned.tx,
        commit: () => {
          planned.commit();
          this.hasher?.replace(planned.delta.before, planned.delta.after);
        },
      };
    }
    // The reference path: whole render, whole diff. Only invalid input (which it
    // reports as a RenderError) should get here.
    const rendered = renderIncremental(state.ruleset(), inventory, settings);
    return {
      kind: rendered.kind,
      tx: rendered.tx,
      commit: () => {
        this.state = RenderState.build(inventory, settings).state;
        this.hasher = RulesetHasher.of(rendered.ruleset);
      },
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
