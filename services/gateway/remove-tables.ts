// `lbaas-gateway remove-tables`: deletes the tables the gateway owns (an operator
// decommissioning a gateway; a stopped gateway leaves its rules in place on
// purpose). One transaction, `add table` + `delete table` per owned table, so it
// succeeds whether or not they exist and touches nothing else.
import { formatProblems } from "../../libs/domain/errors.ts";
import { isNftError } from "../../libs/nft/errors.ts";
import type { Operation } from "../../libs/nft/render/transaction.ts";
import { toScript } from "../../libs/nft/render/script.ts";
import { NftRunner } from "../../libs/nft/runner.ts";
import { validateGatewaySettings, type GatewaySettings } from "../../libs/nft/settings.ts";
import { loadSettings, usage, type SettingSpec } from "../../libs/settings/load.ts";
import type { ProcessIo } from "./main.ts";
import { NFT_SETTING_SPECS } from "./settings.ts";

const SPECS: readonly SettingSpec[] = [
  ...NFT_SETTING_SPECS,
  {
    path: "netns",
    flag: "netns",
    env: "LBAAS_NETNS",
    kind: "string",
    help: "remove inside this network namespace",
  },
  {
    path: "dry-run",
    flag: "dry-run",
    kind: "boolean",
    help: "print and check the transaction only (nft -c)",
  },
];

/** The transaction deleting every table `settings` names (nat, and filter unless ""). */
export function removeTablesTransaction(settings: GatewaySettings): Operation[] {
  const names = [settings.natTableName, settings.filterTableName].filter((n) => n !== "");
  return names.flatMap((name): Operation[] => [
    { verb: "add", object: { kind: "table", family: "inet", name } },
    { verb: "delete", object: { kind: "table", family: "inet", name } },
  ]);
}

/**
 * Runs the command; resolves with the exit code: 0 done, 1 nft failed, 2 bad
 * settings. Other keys of a shared config file (nats, id, …) are ignored.
 */
export async function removeTables(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  io: ProcessIo,
): Promise<number> {
  const loaded = loadSettings(SPECS, argv, env);
  if (loaded.help) {
    io.stdout(usage("lbaas-gateway remove-tables", SPECS) + "\n");
    return 0;
  }
  const nft = validateGatewaySettings(loaded.tree["nftables"] ?? {});
  const netns = loaded.tree["netns"];
  const problems = [
    ...loaded.problems,
    ...(nft.ok ? [] : nft.problems.map((p) => ({ ...p, path: `nftables.${p.path}` }))),
    ...(netns !== undefined && (typeof netns !== "string" || !/^[A-Za-z0-9_.-]{1,64}$/.test(netns))
      ? [{ path: "netns", message: `${JSON.stringify(netns)} is not a namespace name` }]
      : []),
  ];
  if (problems.length > 0 || !nft.ok) {
    io.stderr(`lbaas-gateway remove-tables: invalid settings:\n${formatProblems(problems)}\n`);
    return 2;
  }
  const tx = removeTablesTransaction(nft.value);
  const runner = new NftRunner(typeof netns === "string" ? { netns } : {});
  const check = loaded.tree["dry-run"] === true;
  try {
    await runner.applyTransaction(tx, { check });
  } catch (err) {
    io.stderr(
      `lbaas-gateway remove-tables: ${isNftError(err) ? `${err.code}: ${err.message}` : String(err)}\n`,
    );
    return 1;
  }
  const where = typeof netns === "string" ? ` in netns ${netns}` : "";
  io.stdout(`${check ? "checked" : "applied"}${where}:\n${toScript(tx)}`);
  return 0;
}
