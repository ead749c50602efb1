// `lbaas get services|service ID|endpoints ID|policies|policy ID|inventory [--group G]`.
import { stringify as toYaml } from "yaml";
import type { EndpointsSpec, PolicySpec, ServiceSpec } from "../../libs/domain/model.ts";
import { json, UsageError, EXIT, type CommandContext } from "./context.ts";
import { list, table } from "./table.ts";

export const GET_FLAGS = { group: { type: "string" } } as const;

const ports = (s: ServiceSpec): string =>
  list(s.ports.map((p) => `${p.protocol}/${p.port}→${p.targetPort}`));

function groupQuery(ctx: CommandContext): string {
  const g = ctx.flags["group"];
  return typeof g === "string" ? `?group=${encodeURIComponent(g)}` : "";
}

function idOf(ctx: CommandContext, what: string): string {
  const id = ctx.positionals[1];
  if (id === undefined) throw new UsageError(`get ${what} needs an id`);
  return encodeURIComponent(id);
}

/** Runs `get`; returns the exit code. */
export async function get(ctx: CommandContext): Promise<number> {
  const what = ctx.positionals[0];
  const { io, client } = ctx;
  switch (what) {
    case "services": {
      const { body } = await client.request<{
        services: { version: number; service: ServiceSpec }[];
      }>("GET", `/v1/services${groupQuery(ctx)}`);
      if (ctx.output === "json") io.out(json(body));
      else
        io.out(
          table(
            ["ID", "GROUP", "VERSION", "VIPS", "PORTS", "SCHEDULER"],
            body.services.map(({ version, service: s }) => [
              s.id,
              s.group,
              String(version),
              list(s.vips),
              ports(s),
              s.scheduler,
            ]),
          ),
        );
      return EXIT.ok;
    }
    case "service": {
      const { body } = await client.request<{ version: number; service: ServiceSpec }>(
        "GET",
        `/v1/services/${idOf(ctx, what)}`,
      );
      if (ctx.output === "json") io.out(json(body));
      else {
        const s = body.service;
        io.out(
          table(
            ["FIELD", "VALUE"],
            [
              ["id", s.id],
              ["group", s.group],
              ["version", String(body.version)],
              ["vips", list(s.vips)],
              ["ports", ports(s)],
              ["scheduler", s.scheduler],
              ["sourceRanges", list(s.sourceRanges)],
              [
                "sessionAffinity",
                s.sessionAffinity === null
                  ? "none"
                  : `client-ip ${s.sessionAffinity.timeoutSeconds}s`,
              ],
              ["snat", s.snat === null ? "inherit" : String(s.snat)],
            ],
          ),
        );
      }
      return EXIT.ok;
    }
    case "endpoints": {
      const { body } = await client.request<{ version: number; endpoints: EndpointsSpec }>(
        "GET",
        `/v1/services/${idOf(ctx, what)}/endpoints`,
      );
      if (ctx.output === "json") io.out(json(body));
      else {
        io.out(
          `service ${body.endpoints.serviceId} (group ${body.endpoints.group}), endpoints version ${body.version}`,
        );
        io.out(
          table(
            ["ADDRESS", "PORT", "WEIGHT", "STATE"],
            body.endpoints.endpoints.map((e) => [
              e.address,
              e.port === null ? "-" : String(e.port),
              String(e.weight),
              e.state,
            ]),
          ),
        );
      }
      return EXIT.ok;
    }
    case "policies": {
      const { body } = await client.request<{
        policies: { version: number; policy: PolicySpec }[];
      }>("GET", `/v1/policies${groupQuery(ctx)}`);
      if (ctx.output === "json") io.out(json(body));
      else
        io.out(
          table(
            ["ID", "GROUP", "VERSION", "TARGETS", "RULES"],
            body.policies.map(({ version, policy: p }) => [
              p.id,
              p.group,
              String(version),
              list(p.targets),
              String(p.ingress.length),
            ]),
          ),
        );
      return EXIT.ok;
    }
    case "policy": {
      const { body } = await client.request<{ version: number; policy: PolicySpec }>(
        "GET",
        `/v1/policies/${idOf(ctx, what)}`,
      );
      if (ctx.output === "json") io.out(json(body));
      else io.out(`# version ${body.version}\n${toYaml(body.policy).trimEnd()}`);
      return EXIT.ok;
    }
    case "inventory": {
      const { body } = await client.request("GET", `/v1/inventory${groupQuery(ctx)}`);
      io.out(ctx.output === "json" ? json(body) : toYaml(body).trimEnd());
      return EXIT.ok;
    }
    default:
      throw new UsageError(
        `get what? ${what === undefined ? "nothing given" : JSON.stringify(what)} (services, service ID, endpoints ID, policies, policy ID, inventory)`,
      );
  }
}
