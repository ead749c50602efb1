// `lbaas render --at TIME|SEQ [--group NAME] [--gateway-config FILE]`: the exact
// full-sync script a gateway would have applied at that point, rebuilt by replaying
// the event log (services/audit). Output is the `nft -f` script, headed by `#`
// comment lines saying which point, group and ruleset hash it is (nft ignores them);
// `-o json` gives the whole answer.
import type { CliIo } from "./io.ts";
import { EXIT_OK } from "./io.ts";
import { pointOf, settingsOf } from "./audit-commands.ts";
import { renderHeader } from "./audit-format-state.ts";
import { processAuditEnv, runAudit, UsageProblem, type AuditEnv } from "./audit-run.ts";

export const RENDER_AT_USAGE =
  "lbaas render --at TIME|SEQ [--group NAME] [--gateway-config FILE] [-o json] [--nats URL | --server URL]";

/** Runs `render --at`; returns the exit code. */
export function runRenderAt(
  argv: readonly string[],
  io: CliIo,
  aenv: AuditEnv = processAuditEnv(),
): Promise<number> {
  const check = (o: Parameters<typeof pointOf>[0]): void => {
    const extra = o.positionals[0];
    if (extra !== undefined) throw new UsageProblem(`unexpected argument ${JSON.stringify(extra)}`);
    pointOf(o, "at");
  };
  const extra = ["at", "group", "gateway-config"] as const;
  return runAudit("render", RENDER_AT_USAGE, argv, io, extra, aenv, check, async (q, o, read) => {
    const settings = await settingsOf(o);
    const r = await q.render(pointOf(o, "at"), o.values.group ?? null, settings, read);
    io.stdout(
      o.output === "json" ? `${JSON.stringify(r, null, 2)}\n` : `${renderHeader(r)}${r.script}`,
    );
    return EXIT_OK;
  });
}
