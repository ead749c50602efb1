// Drift check: read the owned tables back from the kernel (`nft -j list table`),
// compare them with the committed ruleset, report every difference. Repair is a
// full sync (Syncer.repair). Listing costs about as much as loading, so this runs
// periodically, never on the sync path.
import { isNotFound } from "./errors.ts";
import { compareImages, expectedImage, listedImage } from "./drift-image.ts";
import type { Ruleset } from "./render/model.ts";
import type { NftExecutor } from "./runner.ts";

export interface DriftReport {
  /** True when the kernel holds exactly what was committed (at the compared level). */
  readonly clean: boolean;
  /** Lower-case sentences, e.g. `table lbaas: chain svc-web-tcp-80-v4 has 1 rules, expected 2`. */
  readonly differences: readonly string[];
  readonly durationMs: number;
}

/**
 * Lists every table of `committed` and compares it with what was committed.
 * A missing table is a difference, not an error. Rejects with NftError when nft
 * itself fails (other than a missing table).
 */
export async function checkDrift(executor: NftExecutor, committed: Ruleset): Promise<DriftReport> {
  const started = performance.now();
  const differences: string[] = [];
  for (const table of committed.tables) {
    const expected = expectedImage(committed, table.name);
    if (expected === null) continue;
    let listing: unknown;
    try {
      listing = await executor.listTableJson(table.name);
    } catch (err) {
      if (!isNotFound(err)) throw err;
      differences.push(`table ${table.name} is missing`);
      continue;
    }
    differences.push(...compareImages(table.name, expected, listedImage(listing)));
  }
  return { clean: differences.length === 0, differences, durationMs: performance.now() - started };
}
