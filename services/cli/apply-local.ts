// `lbaas apply-local -f inventory.yaml --netns NAME [--gateway-config FILE]
// [--group NAME] [--check] [--verify]`: applies the full ruleset inside a network
// namespace (a local test bed; a gateway host runs the applier service instead)
// and prints what it did.
import { isNftError } from "../../libs/nft/errors.ts";
import type { Ruleset } from "../../libs/nft/render/model.ts";
import { isRenderError, renderFull } from "../../libs/nft/render/index.ts";
import { NftRunner } from "../../libs/nft/runner.ts";
import { Syncer } from "../../libs/nft/syncer.ts";
import { parseFlags } from "./args.ts";
import { inventoryForGroup, loadRenderInputs } from "./inventory-file.ts";
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, type CliIo } from "./io.ts";

export const APPLY_LOCAL_USAGE =
  "lbaas apply-local -f INVENTORY --netns NAME [--gateway-config FILE] [--group NAME] [--check] [--verify]";

function counts(r: Ruleset): string {
  let chains = 0;
  let rules = 0;
  let elements = 0;
  for (const t of r.tables) {
    chains += t.chains.size;
    for (const c of t.chains.values()) rules += c.rules.length;
    for (const s of t.sets.values()) elements += s.elements.size;
  }
  return `tables ${r.tables.map((t) => t.name).join(",")}; ${chains} chains, ${rules} rules, ${elements} elements`;
}

/** Runs `apply-local`; returns the exit code. */
export async function runApplyLocal(argv: readonly string[], io: CliIo): Promise<number> {
  const flags = parseFlags(argv, {
    values: ["file", "netns", "gateway-config", "group"],
    switches: ["check", "verify"],
    aliases: { "-f": "--file" },
    required: ["file", "netns"],
  });
  const fail = (msg: string, code: number): number => {
    io.stderr(`lbaas apply-local: ${msg}\n`);
    return code;
  };
  if (!flags.ok) return fail(`${flags.error}\nusage: ${APPLY_LOCAL_USAGE}`, EXIT_USAGE);
  const netns = flags.values.get("netns") ?? "";
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(netns))
    return fail(`--netns: ${JSON.stringify(netns)} is not a namespace name`, EXIT_USAGE);
  const inputs = await loadRenderInputs(
    flags.values.get("file") ?? "",
    flags.values.get("gateway-config"),
  );
  if (!inputs.ok) {
    const lines = inputs.problems;
    return fail(lines.join("\nlbaas apply-local: "), EXIT_USAGE);
  }
  const inventory = inventoryForGroup(inputs.inventory, flags.values.get("group"));
  const runner = new NftRunner({ netns });
  try {
    if (flags.switches.has("check")) {
      const rendered = renderFull(inventory, inputs.settings);
      const run = await runner.applyTransaction(rendered.tx, { check: true });
      io.stdout(
        `check ok in ${run.durationMs.toFixed(1)} ms (netns ${netns}, nothing applied); ${counts(rendered.ruleset)}\n`,
      );
      return EXIT_OK;
    }
    const syncer = new Syncer({ executor: runner, settings: inputs.settings });
    const result = await syncer.sync(inventory);
    const committed = syncer.committedRuleset;
    io.stdout(
      `${result.kind} sync in ${result.durationMs.toFixed(1)} ms (nft ${result.applyMs.toFixed(1)} ms, ${result.operations} operations) ` +
        `netns ${netns}; ${inventory.services.length} services, ${inventory.policies.length} policies; ` +
        `${committed === null ? "" : counts(committed)}; ${result.hash}\n`,
    );
    if (flags.switches.has("verify")) {
      const drift = await syncer.checkDrift();
      io.stdout(
        drift.clean
          ? `verify: kernel matches (${drift.durationMs.toFixed(0)} ms)\n`
          : `verify: ${drift.differences.join("; ")}\n`,
      );
      if (!drift.clean) return EXIT_FAILED;
    }
    return EXIT_OK;
  } catch (err) {
    if (isNftError(err)) return fail(`${err.code}: ${err.message}`, EXIT_FAILED);
    if (isRenderError(err)) return fail(err.message, EXIT_FAILED);
    throw err;
  }
}
