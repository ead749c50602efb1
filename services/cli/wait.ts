// `apply --wait`: poll /v1/status until every live gateway of the affected groups has
// applied the last event written to its group, or time out naming the laggards.
import type { GatewayStatus } from "../control-plane/gateway-status.ts";
import type { CommandContext } from "./context.ts";

export interface WaitResult {
  readonly done: boolean;
  /** Gateways still behind at the end (empty when done). */
  readonly laggards: readonly GatewayStatus[];
  /** Groups that had no live gateway (nothing to wait for there). */
  readonly noGateway: readonly string[];
}

/** Waits until each group's live gateways reached its target sequence; polls every 250 ms. */
export async function waitForGateways(
  ctx: CommandContext,
  targets: Readonly<Record<string, number>>,
  timeoutMs: number,
): Promise<WaitResult> {
  const deadline = ctx.io.now() + timeoutMs;
  for (;;) {
    const { body } = await ctx.client.request<{ gateways: GatewayStatus[] }>(
      "GET",
      "/v1/status?services=false",
    );
    const laggards: GatewayStatus[] = [];
    const noGateway: string[] = [];
    for (const [group, seq] of Object.entries(targets)) {
      const live = body.gateways.filter((g) => g.group === group && g.live);
      if (live.length === 0) noGateway.push(group);
      laggards.push(...live.filter((g) => g.appliedSeq < seq));
    }
    if (laggards.length === 0) return { done: true, laggards, noGateway };
    if (ctx.io.now() >= deadline) return { done: false, laggards, noGateway };
    await ctx.io.sleep(250);
  }
}
