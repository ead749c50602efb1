// Reading the declarative inventory file (YAML or JSON) and the gateway config
// file for the CLI. Parsing is the domain's (validateInventory) and libs/nft's
// (validateGatewaySettings); this module only does the file I/O and the group cut.
import { readFile } from "node:fs/promises";
import { parse as parseYaml } from "yaml";
import { formatProblem } from "../../libs/domain/errors.ts";
import type { Inventory, Problem } from "../../libs/domain/model.ts";
import { validateInventory } from "../../libs/domain/validate.ts";
import { validateGatewaySettings, type GatewaySettings } from "../../libs/nft/settings.ts";

export type FileResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly problems: readonly Problem[] };

async function readDocument(path: string): Promise<FileResult<unknown>> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    const reason =
      (err as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : String(err).toLowerCase();
    return { ok: false, problems: [{ path: "", message: `cannot read: ${reason}` }] };
  }
  try {
    // YAML 1.2 is a superset of JSON: one parser reads both.
    return { ok: true, value: parseYaml(text) as unknown };
  } catch (err) {
    return {
      ok: false,
      problems: [
        {
          path: "",
          message: `not yaml or json: ${(err as Error).message.split("\n")[0]?.toLowerCase()}`,
        },
      ],
    };
  }
}

/** Reads and validates an inventory file; every problem carries its field path. */
export async function loadInventoryFile(path: string): Promise<FileResult<Inventory>> {
  const doc = await readDocument(path);
  if (!doc.ok) return doc;
  return validateInventory(doc.value);
}

/**
 * Reads a gateway config file: the seed's kebab-case keys at the top level, or
 * under an `nftables:` key (the seed agent's layout). No path: the defaults.
 */
export async function loadGatewayConfig(
  path: string | undefined,
): Promise<FileResult<GatewaySettings>> {
  if (path === undefined) return validateGatewaySettings(undefined);
  const doc = await readDocument(path);
  if (!doc.ok) return doc;
  const raw = doc.value;
  const section = typeof raw === "object" && raw !== null && "nftables" in raw ? raw.nftables : raw;
  return validateGatewaySettings(section);
}

/** What `lbaas render` and `lbaas apply-local` read: an inventory and a gateway config. */
export type RenderInputs =
  | { readonly ok: true; readonly inventory: Inventory; readonly settings: GatewaySettings }
  | { readonly ok: false; readonly problems: readonly string[] };

/**
 * Loads both files at once; on failure every problem of both, each prefixed with its
 * file name (`inv.yaml: services[0].id: …`).
 */
export async function loadRenderInputs(
  file: string,
  gatewayConfig: string | undefined,
): Promise<RenderInputs> {
  const [inv, settings] = await Promise.all([
    loadInventoryFile(file),
    loadGatewayConfig(gatewayConfig),
  ]);
  if (inv.ok && settings.ok) return { ok: true, inventory: inv.value, settings: settings.value };
  const named = (name: string | undefined, r: FileResult<unknown>): string[] =>
    r.ok ? [] : r.problems.map((p) => `${name}: ${formatProblem(p)}`);
  return { ok: false, problems: [...named(file, inv), ...named(gatewayConfig, settings)] };
}

/** The part of an inventory a gateway of `group` applies; undefined keeps every group. */
export function inventoryForGroup(inv: Inventory, group: string | undefined): Inventory {
  if (group === undefined) return inv;
  const services = inv.services.filter((s) => s.group === group);
  const ids = new Set(services.map((s) => s.id));
  return {
    services,
    endpoints: inv.endpoints.filter((e) => ids.has(e.serviceId)),
    policies: inv.policies.filter((p) => p.group === group),
  };
}
