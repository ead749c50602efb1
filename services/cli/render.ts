// `lbaas render -f inventory.yaml [--gateway-config FILE] [--group NAME]`: prints
// the full-sync `nft -f` script a gateway would apply. With `--at TIME|SEQ` instead
// of `-f`, the script a gateway had at that point of the event log (render-at.ts).
import { isRenderError, renderFull, toScript } from "../../libs/nft/render/index.ts";
import { parseFlags } from "./args.ts";
import { inventoryForGroup, loadRenderInputs } from "./inventory-file.ts";
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, type CliIo } from "./io.ts";
import { RENDER_AT_USAGE, runRenderAt } from "./render-at.ts";

export const RENDER_USAGE = `lbaas render -f INVENTORY [--gateway-config FILE] [--group NAME]\n  ${RENDER_AT_USAGE}`;

/** Runs `render` (`-f FILE`, or `--at POINT` to replay the event log); returns the exit code. */
export async function runRender(argv: readonly string[], io: CliIo): Promise<number> {
  const at = argv.some((a) => a === "--at" || a.startsWith("--at="));
  const file = argv.some((a) => a === "-f" || a === "--file" || a.startsWith("--file="));
  if (at && file) {
    io.stderr(
      `lbaas render: -f and --at: choose one (a file, or a point of the event log)\nusage: ${RENDER_USAGE}\n`,
    );
    return EXIT_USAGE;
  }
  if (at) return runRenderAt(argv, io);
  const flags = parseFlags(argv, {
    values: ["file", "gateway-config", "group"],
    aliases: { "-f": "--file" },
    required: ["file"],
  });
  if (!flags.ok) {
    io.stderr(`lbaas render: ${flags.error}\nusage: ${RENDER_USAGE}\n`);
    return EXIT_USAGE;
  }
  const inputs = await loadRenderInputs(
    flags.values.get("file") ?? "",
    flags.values.get("gateway-config"),
  );
  if (!inputs.ok) {
    const { problems } = inputs;
    io.stderr(problems.map((p) => `lbaas render: ${p}\n`).join(""));
    return EXIT_USAGE;
  }
  try {
    io.stdout(
      toScript(
        renderFull(inventoryForGroup(inputs.inventory, flags.values.get("group")), inputs.settings)
          .tx,
      ),
    );
    return EXIT_OK;
  } catch (err) {
    if (!isRenderError(err)) throw err;
    io.stderr(`lbaas render: ${err.message}\n`);
    return EXIT_FAILED;
  }
}
