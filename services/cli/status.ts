// `lbaas status`: groups and gateways (live, applied sequence, lag, last error).
import type { GatewayStatus } from "../control-plane/gateway-status.ts";
import { EXIT, json, type CommandContext } from "./context.ts";
import { ago, table } from "./table.ts";

export const STATUS_FLAGS = {} as const;

interface StatusAnswer {
  now: number;
  groups: { group: string; headSeq: number; gateways: number; live: number; upToDate: number }[];
  gateways: GatewayStatus[];
}

/** Runs `status`; returns the exit code. */
export async function status(ctx: CommandContext): Promise<number> {
  const { body } = await ctx.client.request<StatusAnswer>("GET", "/v1/status?services=false");
  if (ctx.output === "json") {
    ctx.io.out(json(body));
    return EXIT.ok;
  }
  ctx.io.out(
    table(
      ["GROUP", "HEAD", "GATEWAYS", "LIVE", "UP-TO-DATE"],
      body.groups.map((g) => [
        g.group,
        String(g.headSeq),
        String(g.gateways),
        String(g.live),
        String(g.upToDate),
      ]),
    ),
  );
  ctx.io.out("");
  ctx.io.out(
    table(
      ["GATEWAY", "GROUP", "LIVE", "APPLIED", "LAG", "SEEN", "LAST ERROR"],
      body.gateways.map((g) => [
        g.gatewayId,
        g.group,
        g.live ? "yes" : "STALE",
        String(g.appliedSeq),
        g.lagEvents === 0 ? "0" : `${g.lagEvents} events`,
        ago(g.lastSeenAt, body.now),
        g.lastError === null
          ? "-"
          : `${g.lastError.code}: ${g.lastError.message.split("\n")[0] ?? ""}`,
      ]),
    ),
  );
  return EXIT.ok;
}
