// `lbaas apply -f FILE [--dry-run] [--prune] [--group G]... [--wait [--timeout S]]`:
// sync an inventory document (YAML or JSON) through PUT /v1/inventory.
// Without --prune nothing is deleted (the API's default is to prune; the CLI is
// additive unless asked, like `kubectl apply`).
import { parse as parseYaml } from "yaml";
import { formatProblem } from "../../libs/domain/errors.ts";
import { EXIT, json, UsageError, type CommandContext } from "./context.ts";
import { table } from "./table.ts";
import { waitForGateways } from "./wait.ts";

export const APPLY_FLAGS = {
  file: { type: "string", short: "f" },
  "dry-run": { type: "boolean" },
  prune: { type: "boolean" },
  group: { type: "string", multiple: true },
  wait: { type: "boolean" },
  timeout: { type: "string" },
} as const;

interface SyncAnswer {
  dryRun: boolean;
  created: number;
  updated: number;
  deleted: number;
  unchanged: number;
  scope: string[];
  allocations: { serviceId: string; path: string; address: string; kept: boolean }[];
  events?: {
    action: string;
    kind: string;
    id: string;
    group: string;
    version: number;
    seq: number;
  }[];
  plan?: { action: string; kind: string; id: string; group: string; version: number }[];
  lastSeqByGroup?: Record<string, number>;
}

function readDocument(ctx: CommandContext, file: string): unknown {
  let text: string;
  try {
    text = ctx.io.readFile(file);
  } catch (err) {
    throw new UsageError(
      `cannot read ${JSON.stringify(file)}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
  try {
    return parseYaml(text, { maxAliasCount: 100 }) ?? {};
  } catch (err) {
    throw new UsageError(
      `${JSON.stringify(file)} is not valid yaml or json: ${(err as Error).message.split("\n")[0]}`,
    );
  }
}

/** Runs `apply`; returns the exit code. API refusals are printed with every problem. */
export async function apply(ctx: CommandContext): Promise<number> {
  const file = ctx.flags["file"];
  if (typeof file !== "string")
    throw new UsageError("apply needs -f FILE (or -f - for standard input)");
  const timeoutText = ctx.flags["timeout"] ?? "60";
  const timeoutS = Number(timeoutText);
  if (typeof timeoutText !== "string" || !Number.isFinite(timeoutS) || timeoutS <= 0)
    throw new UsageError(`--timeout ${JSON.stringify(timeoutText)} is not a number of seconds`);
  const doc = readDocument(ctx, file);
  const query = new URLSearchParams({
    dryRun: String(ctx.flags["dry-run"] === true),
    prune: String(ctx.flags["prune"] === true),
  });
  for (const g of (ctx.flags["group"] as string[] | undefined) ?? []) query.append("group", g);
  const { body } = await ctx.client.request<SyncAnswer>(
    "PUT",
    `/v1/inventory?${query.toString()}`,
    doc,
  );
  if (ctx.output === "json") ctx.io.out(json(body));
  else printSummary(ctx, body);
  if (ctx.flags["wait"] !== true || body.dryRun) return EXIT.ok;
  const targets = body.lastSeqByGroup ?? {};
  if (Object.keys(targets).length === 0) {
    if (ctx.output === "table") ctx.io.out("nothing was published; nothing to wait for");
    return EXIT.ok;
  }
  const result = await waitForGateways(ctx, targets, timeoutS * 1000);
  for (const g of result.noGateway)
    ctx.io.err(`warning: group ${JSON.stringify(g)} has no live gateway`);
  if (result.done) {
    if (ctx.output === "table") ctx.io.out("applied by every live gateway of the affected groups");
    return EXIT.ok;
  }
  ctx.io.err(`timed out after ${timeoutS}s; gateways behind:`);
  for (const g of result.laggards) {
    const error =
      g.lastError === null ? "" : `, last error ${g.lastError.code}: ${g.lastError.message}`;
    ctx.io.err(
      `  ${g.gatewayId} (group ${g.group}): applied ${g.appliedSeq} < ${targets[g.group] ?? 0}${error}`,
    );
  }
  return EXIT.timeout;
}

function printSummary(ctx: CommandContext, a: SyncAnswer): void {
  const what = a.dryRun ? "would be " : "";
  ctx.io.out(
    `${what}created ${a.created}, ${what}updated ${a.updated}, ${what}deleted ${a.deleted}, unchanged ${a.unchanged}` +
      (a.dryRun ? " (dry run: nothing published)" : "") +
      (a.scope.length > 0 ? `; prune scope: ${a.scope.join(", ")}` : ""),
  );
  for (const x of a.allocations.filter((x) => !x.kept))
    ctx.io.out(`allocated ${x.address} to service ${x.serviceId} (${x.path})`);
  const rows = a.dryRun
    ? (a.plan ?? []).map((c) => [c.action, c.kind, c.id, c.group, String(c.version), "-"])
    : (a.events ?? []).map((e) => [
        e.action,
        e.kind,
        e.id,
        e.group,
        String(e.version),
        String(e.seq),
      ]);
  if (rows.length > 0) ctx.io.out(table(["ACTION", "KIND", "ID", "GROUP", "VERSION", "SEQ"], rows));
}

/** Prints an API refusal: the message, then one line per problem. */
export function printProblems(
  ctx: CommandContext,
  message: string,
  problems: readonly { path: string; message: string }[],
): void {
  ctx.io.err(`error: ${message}`);
  for (const p of problems) ctx.io.err(`  ${formatProblem(p)}`);
}
