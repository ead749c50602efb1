// One policy's share of the filter table: its `pol-<id>` chain of allow rules
// and the addresses it selects. The `pod-<addr>` chain of an address depends on
// every policy selecting it (podChain); filter.ts puts the pieces together and
// render-state.ts re-renders only the policies that changed.
//
// Policy rules use no sets (anonymous sets make loads super-linear, see README):
// an except is one more `saddr !=` match in the same rule, and each port entry is
// its own rule (`tcp dport 8080`, `tcp dport 9000-9010`, or `meta l4proto tcp`).
import type { IpBlock, PolicyPort, PolicySpec } from "../../domain/model.ts";
import { PROTOCOLS } from "../../domain/model.ts";
import type { IpFamily } from "./addresses.ts";
import { RenderError } from "./errors.ts";
import { flat, flatAll } from "./flat.ts";
import { guardAddress, guardCidr, guardInt, guardLabel, guardName, guardToken } from "./guards.ts";
import type { ChainModel } from "./model.ts";
import * as names from "./names.ts";

const IP = { v4: "ip", v6: "ip6" } as const;

/** An address selected by a policy. */
export interface PolicyTarget {
  readonly address: string;
  readonly family: IpFamily;
}

/** Everything one policy contributes to the filter table. */
export interface PolicyFragment {
  readonly id: string;
  /** `pol-<id>`: its allow rules. */
  readonly chain: ChainModel;
  /** The addresses it selects, each once, in the policy's order. */
  readonly targets: readonly PolicyTarget[];
}

/** Source matches of one from-block, e.g. `ip saddr 198.51.100.0/24 ip saddr != 198.51.100.128/25`. */
function sourceMatch(block: IpBlock, path: string): string {
  const family = guardCidr(block.cidr, `${path}.cidr`);
  let out = `${IP[family]} saddr ${block.cidr}`;
  for (let i = 0; i < block.except.length; i++) {
    const e = block.except[i] as string;
    if (guardCidr(e, `${path}.except[${i}]`) !== family)
      throw new RenderError(
        "unsafe_address",
        `${path}.except[${i}]`,
        `${JSON.stringify(e)} is not of the family of ${JSON.stringify(block.cidr)}`,
      );
    out += ` ${IP[family]} saddr != ${e}`;
  }
  return out;
}

/** Port match of one port entry. */
function portMatch(p: PolicyPort, path: string): string {
  guardToken(p.protocol, PROTOCOLS, `${path}.protocol`);
  if (p.port === null) return `meta l4proto ${p.protocol}`;
  guardInt(p.port, 1, 65535, `${path}.port`);
  if (p.endPort === null || p.endPort === p.port) return `${p.protocol} dport ${p.port}`;
  guardInt(p.endPort, p.port, 65535, `${path}.endPort`);
  return `${p.protocol} dport ${p.port}-${p.endPort}`;
}

/**
 * Allow rules of one policy: one per (ingress rule × from-block × port entry).
 * No ingress rule gives no allow rule. Throws RenderError on unsafe values.
 */
export function policyRules(policy: PolicySpec): string[] {
  const path = `policies[${JSON.stringify(policy.id)}]`;
  const rules: string[] = [];
  for (const [ri, rule] of policy.ingress.entries()) {
    const rpath = `${path}.ingress[${ri}]`;
    const sources =
      rule.from.length === 0
        ? [""]
        : rule.from.map((b, i) => sourceMatch(b, `${rpath}.from[${i}]`));
    const ports =
      rule.ports.length === 0
        ? [""]
        : rule.ports.map((p, i) => portMatch(p, `${rpath}.ports[${i}]`));
    for (const s of sources)
      for (const p of ports)
        rules.push(
          s === ""
            ? p === ""
              ? "accept"
              : `${p} accept`
            : p === ""
              ? `${s} accept`
              : `${s} ${p} accept`,
        );
  }
  return rules;
}

/**
 * Renders one policy: its id and targets checked, its allow rules. Throws
 * RenderError (path `policies["id"]…`) on unsafe values.
 */
export function policyFragment(policy: PolicySpec): PolicyFragment {
  guardLabel(policy.id, () => `policies[${JSON.stringify(policy.id)}].id`);
  const targets: PolicyTarget[] = [];
  for (let i = 0; i < policy.targets.length; i++) {
    const address = policy.targets[i] as string;
    const family = guardAddress(
      address,
      () => `policies[${JSON.stringify(policy.id)}].targets[${i}]`,
    );
    if (!targets.some((t) => t.address === address)) targets.push({ address, family });
  }
  const name = names.policyChainName(policy.id);
  guardName(name, () => `chain ${name}`);
  return {
    id: policy.id,
    chain: { name: flat(name), base: null, rules: flatAll(policyRules(policy)) },
    targets,
  };
}

/**
 * The pod chain of `address`: a jump to every policy selecting it (in the given
 * order, sorted by id by the callers), then drop (default deny).
 */
export function podChain(address: string, policyIds: readonly string[]): ChainModel {
  const name = names.podChainName(address);
  guardName(name, () => `chain ${name}`);
  const rules: string[] = [];
  for (const id of policyIds) rules.push(flat(`jump ${names.policyChainName(id)}`));
  rules.push("drop");
  return { name: flat(name), base: null, rules };
}
