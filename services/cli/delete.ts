// `lbaas delete service|endpoints|policy ID [--if-match VERSION]`.
import { EXIT, json, UsageError, type CommandContext } from "./context.ts";

export const DELETE_FLAGS = { "if-match": { type: "string" } } as const;

const PATHS: Readonly<Record<string, (id: string) => string>> = {
  service: (id) => `/v1/services/${id}`,
  endpoints: (id) => `/v1/services/${id}/endpoints`,
  policy: (id) => `/v1/policies/${id}`,
};

/** Runs `delete`; returns the exit code. */
export async function del(ctx: CommandContext): Promise<number> {
  const [what, id] = ctx.positionals;
  const path = what === undefined ? undefined : PATHS[what];
  if (path === undefined || id === undefined)
    throw new UsageError("delete needs a kind (service, endpoints, policy) and an id");
  const ifMatch = ctx.flags["if-match"];
  const headers: Record<string, string> =
    typeof ifMatch === "string" ? { "if-match": `"${ifMatch}"` } : {};
  const { body } = await ctx.client.request<{
    version: number;
    events: { type: string; seq: number }[];
  }>("DELETE", path(encodeURIComponent(id)), undefined, headers);
  if (ctx.output === "json") ctx.io.out(json(body));
  else
    ctx.io.out(
      `deleted ${what} ${id} (version ${body.version}; ${body.events.map((e) => `${e.type} at seq ${e.seq}`).join(", ")})`,
    );
  return EXIT.ok;
}
