// `lbaas render -f inventory.yaml [--gateway-config FILE] [--group NAME]`: prints
// the full-sync `nft -f` script a gateway would apply.
import { formatProblem } from "../../libs/domain/errors.ts";
import { isRenderError, renderFull, toScript } from "../../libs/nft/render/index.ts";
import { parseFlags } from "./args.ts";
import { inventoryForGroup, loadGatewayConfig, loadInventoryFile } from "./inventory-file.ts";
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, type CliIo } from "./io.ts";

export const RENDER_USAGE = "lbaas render -f INVENTORY [--gateway-config FILE] [--group NAME]";

/** Runs `render`; returns the exit code. */
export async function runRender(argv: readonly string[], io: CliIo): Promise<number> {
  const flags = parseFlags(argv, {
    values: ["file", "gateway-config", "group"],
    aliases: { "-f": "--file" },
    required: ["file"],
  });
  if (!flags.ok) {
    io.stderr(`lbaas render: ${flags.error}\nusage: ${RENDER_USAGE}\n`);
    return EXIT_USAGE;
  }
  const [inv, settings] = await Promise.all([
    loadInventoryFile(flags.values.get("file") ?? ""),
    loadGatewayConfig(flags.values.get("gateway-config")),
  ]);
  if (!inv.ok || !settings.ok) {
    const problems = [
      ...(inv.ok
        ? []
        : inv.problems.map((p) => `${flags.values.get("file")}: ${formatProblem(p)}`)),
      ...(settings.ok
        ? []
        : settings.problems.map(
            (p) => `${flags.values.get("gateway-config")}: ${formatProblem(p)}`,
          )),
    ];
    io.stderr(problems.map((p) => `lbaas render: ${p}\n`).join(""));
    return EXIT_USAGE;
  }
  try {
    io.stdout(
      toScript(
        renderFull(inventoryForGroup(inv.value, flags.values.get("group")), settings.value).tx,
      ),
    );
    return EXIT_OK;
  } catch (err) {
    if (!isRenderError(err)) throw err;
    io.stderr(`lbaas render: ${err.message}\n`);
    return EXIT_FAILED;
  }
}
