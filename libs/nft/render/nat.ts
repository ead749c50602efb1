// The NAT table: dispatch by `daddr . l4proto . dport` verdict map (O(1) per
// packet, a constant number of map-lookup rules), one chain per service port and
// family doing source-range filtering, affinity and endpoint selection, and the
// masquerade rules in postrouting.
import type {
  Endpoint,
  Inventory,
  Protocol,
  ServicePort,
  ServiceSpec,
} from "../../domain/model.ts";
import { ENDPOINT_STATES, PROTOCOLS, SCHEDULERS } from "../../domain/model.ts";
import type { GatewaySettings } from "../settings.ts";
import type { IpFamily } from "./addresses.ts";
import { relocate } from "./errors.ts";
import { guardAddress, guardCidr, guardInt, guardLabel, guardToken } from "./guards.ts";
import { markMatch, setMarkStatements } from "./marks.ts";
import type { TableModel } from "./model.ts";
import * as names from "./names.ts";
import { affinityHitRule, selectionRules, type Target } from "./selection.ts";
import { TableBuilder } from "./table.ts";

const FAMILIES: readonly IpFamily[] = ["v4", "v6"];
const KEY_TYPE = { v4: "ipv4_addr", v6: "ipv6_addr" } as const;
const IP = { v4: "ip", v6: "ip6" } as const;
/** Clients remembered per service port and family for session affinity. */
export const AFFINITY_MAP_SIZE = 262144;

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A checked endpoint of one service. */
interface CheckedEndpoint {
  readonly endpoint: Endpoint;
  readonly family: IpFamily;
}

/** Checks the endpoints of a service once (not once per port and family). */
function checkEndpoints(serviceId: string, endpoints: readonly Endpoint[]): CheckedEndpoint[] {
  const out: CheckedEndpoint[] = [];
  for (let i = 0; i < endpoints.length; i++) {
    const e = endpoints[i] as Endpoint;
    try {
      const family = guardAddress(e.address, "address");
      guardToken(e.state, ENDPOINT_STATES, "state");
      guardInt(e.weight, 1, 100, "weight");
      if (e.port !== null) guardInt(e.port, 1, 65535, "port");
      out.push({ endpoint: e, family });
    } catch (err) {
      relocate(err, `endpoints[${JSON.stringify(serviceId)}][${i}]`);
    }
  }
  return out;
}

interface ChainJob {
  readonly svc: ServiceSpec;
  readonly port: ServicePort;
  readonly family: IpFamily;
  readonly chain: string;
  readonly ranges: string[] | null;
  readonly eps: readonly CheckedEndpoint[];
}

/** Checks one service and queues its chains; dispatch and override keys go to the lists. */
function addService(
  svc: ServiceSpec,
  eps: readonly CheckedEndpoint[],
  settings: GatewaySettings,
  dispatch: Record<IpFamily, Array<readonly [string, string]>>,
  overrides: Record<IpFamily, Array<{ key: string; protocol: Protocol }>>,
  jobs: ChainJob[],
): void {
  let at = "id";
  let index = -1;
  try {
    guardLabel(svc.id, "");
    at = "scheduler";
    guardToken(svc.scheduler, SCHEDULERS, "");
    at = "vips";
    const vips: Array<{ address: string; family: IpFamily }> = [];
    for (index = 0; index < svc.vips.length; index++) {
      const v = svc.vips[index] as string;
      vips.push({ address: v, family: guardAddress(v, "") });
    }
    vips.sort((a, b) => compare(a.address, b.address));
    at = "sourceRanges";
    const ranges: Array<{ cidr: string; family: IpFamily }> = [];
    for (index = 0; index < svc.sourceRanges.length; index++) {
      const c = svc.sourceRanges[index] as string;
      ranges.push({ cidr: c, family: guardCidr(c, "") });
    }
    at = "ports";
    for (index = 0; index < svc.ports.length; index++) {
      const port = svc.ports[index] as ServicePort;
      guardToken(port.protocol, PROTOCOLS, "protocol");
      guardInt(port.port, 1, 65535, "port");
      guardInt(port.targetPort, 1, 65535, "targetPort");
    }
    index = -1;
    const masquerade = svc.snat ?? settings.enableSnat;
    const ports = [...svc.ports].sort((a, b) => compare(a.protocol, b.protocol) || a.port - b.port);
    for (const port of ports)
      for (const family of FAMILIES) {
        const chain = names.serviceChainName(svc.id, port.protocol, port.port, family);
        let any = false;
        for (const vip of vips) {
          if (vip.family !== family) continue;
          any = true;
          const key = `${vip.address} . ${port.protocol} . ${port.port}`;
          dispatch[family].push([key, `goto ${chain}`]);
          if (masquerade !== settings.enableSnat)
            overrides[family].push({ key, protocol: port.protocol });
        }
        if (!any) continue;
        const allowed =
          svc.sourceRanges.length === 0
            ? null
            : ranges.filter((r) => r.family === family).map((r) => r.cidr);
        jobs.push({ svc, port, family, chain, ranges: allowed, eps });
      }
  } catch (err) {
    relocate(err, `services[${JSON.stringify(svc.id)}].${at}${index >= 0 ? `[${index}]` : ""}`);
  }
}

/** Builds the NAT table of `inventory` under `settings`. Throws RenderError on unsafe input. */
export function natTable(inventory: Inventory, settings: GatewaySettings): TableModel {
  const t = new TableBuilder(settings.natTableName);
  const endpointsOf = new Map(inventory.endpoints.map((e) => [e.serviceId, e.endpoints]));
  const dispatch: Record<IpFamily, Array<readonly [string, string]>> = { v4: [], v6: [] };
  const overrides: Record<IpFamily, Array<{ key: string; protocol: Protocol }>> = {
    v4: [],
    v6: [],
  };
  const services = [...inventory.services].sort((a, b) => compare(a.id, b.id));
  const jobs: ChainJob[] = [];
  for (const svc of services)
    addService(
      svc,
      checkEndpoints(svc.id, endpointsOf.get(svc.id) ?? []),
      settings,
      dispatch,
      overrides,
      jobs,
    );
  const mark = setMarkStatements(settings);
  const prerouting: string[] = [];
  for (const family of FAMILIES) {
    const map = names.serviceMapName(family);
    const key = `${IP[family]} daddr . meta l4proto . th dport`;
    // Mark first, then dispatch: the membership test on the same map keeps the
    // mark off flows that are not ours, and costs one constant rule instead of
    // a mark rule in every service chain (measured: ~20 % of the load time).
    prerouting.push(`${key} @${map} ${mark}`, `${key} vmap @${map}`);
  }
  t.chain(
    settings.natPreroutingChain,
    { type: "nat", hook: "prerouting", priority: "dstnat", policy: "accept" },
    prerouting,
  );
  t.chain(
    settings.natPostroutingChain,
    { type: "nat", hook: "postrouting", priority: "srcnat", policy: "accept" },
    postroutingRules(settings, overrides),
  );
  for (const family of FAMILIES) {
    const keyType = `${KEY_TYPE[family]} . inet_proto . inet_service`;
    const common = { flags: [], timeoutSeconds: null, size: null, resetToken: null } as const;
    t.set({
      ...common,
      name: names.serviceMapName(family),
      kind: "map",
      keyType,
      dataType: "verdict",
      elements: dispatch[family],
    });
    if (overrides[family].length > 0)
      t.set({
        ...common,
        name: names.snatOverrideSetName(family),
        kind: "set",
        keyType,
        dataType: null,
        elements: overrides[family].map((o) => [o.key, null] as const),
      });
  }
  for (const j of jobs) serviceChain(t, j.svc, j.port, j.family, j.chain, j.ranges, j.eps);
  return t.build();
}

/**
 * Masquerade marked flows. Services whose `snat` differs from the gateway's
 * enable-snat are listed in `snat-overrides-<family>`, matched on the original
 * destination of the connection (`ct original`), one rule per protocol because
 * nft needs a protocol context to type `ct original proto-dst`.
 */
function postroutingRules(
  settings: GatewaySettings,
  overrides: Record<IpFamily, Array<{ key: string; protocol: Protocol }>>,
): string[] {
  const marked = markMatch(settings, "meta");
  const rules: string[] = [];
  for (const family of FAMILIES) {
    const protocols = PROTOCOLS.filter((p) => overrides[family].some((o) => o.protocol === p));
    for (const p of protocols)
      rules.push(
        `${marked} meta l4proto ${p} ct original ${IP[family]} daddr . meta l4proto . ct original proto-dst ` +
          `@${names.snatOverrideSetName(family)} ${settings.enableSnat ? "return" : "masquerade"}`,
      );
  }
  if (settings.enableSnat) rules.push(`${marked} masquerade`);
  return rules;
}

function serviceChain(
  t: TableBuilder,
  svc: ServiceSpec,
  port: ServicePort,
  family: IpFamily,
  chain: string,
  allowedRanges: readonly string[] | null,
  endpoints: readonly CheckedEndpoint[],
): void {
  const rules: string[] = [];
  if (allowedRanges !== null && allowedRanges.length === 0) {
    // Source ranges are set but none of this family: no client of it may connect.
    t.chain(chain, null, ["drop"]);
    return;
  }
  if (allowedRanges !== null)
    rules.push(`${allowedRanges.map((c) => `${IP[family]} saddr != ${c}`).join(" ")} drop`);
  // Two endpoints may resolve to the same address and port (one with `port`
  // equal to the service's targetPort, one without): they are one target, with
  // the sum of their weights. Endpoints arrive sorted by address, so such twins
  // are neighbours within a run of one address.
  const targets: Target[] = [];
  let runStart = 0;
  for (const { endpoint: e, family: f } of endpoints) {
    if (f !== family || e.state !== "ready") continue;
    const targetPort = e.port ?? port.targetPort;
    const last = targets[targets.length - 1];
    if (last === undefined || last.address !== e.address) runStart = targets.length;
    let twin = -1;
    for (let k = runStart; k < targets.length; k++) if (targets[k]?.port === targetPort) twin = k;
    const seen = twin >= 0 ? targets[twin] : undefined;
    if (seen !== undefined) {
      targets[twin] = { ...seen, weight: seen.weight + e.weight };
      continue;
    }
    const epChain =
      svc.scheduler === "source-hash"
        ? names.endpointChainName(svc.id, port.protocol, port.port, e.address, targetPort)
        : "";
    targets.push({ address: e.address, port: targetPort, weight: e.weight, chain: epChain });
  }
  if (targets.length === 0) {
    // No ready endpoint: refuse at once instead of letting the flow fall through
    // to the VIP itself (ch-k8s-lbaas #21). Measured on 6.18: reject and drop work
    // in nat-type prerouting chains (reject at prerouting needs kernel >= 5.9).
    rules.push(port.protocol === "tcp" ? "meta l4proto tcp reject with tcp reset" : "reject");
    t.chain(chain, null, rules);
    return;
  }
  let affinity: Map<number, string> | null = null;
  if (svc.sessionAffinity !== null) {
    const timeout = guardInt(
      svc.sessionAffinity.timeoutSeconds,
      1,
      86400 * 365,
      () => `services[${JSON.stringify(svc.id)}].sessionAffinity.timeoutSeconds`,
    );
    affinity = new Map();
    const resetToken = targets.map((x) => `${x.address}/${x.port}`).join(",");
    for (const targetPort of [...new Set(targets.map((x) => x.port))].sort((a, b) => a - b)) {
      const map = names.affinityMapName(svc.id, port.protocol, port.port, family, targetPort);
      affinity.set(targetPort, map);
      t.set({
        name: map,
        kind: "map",
        keyType: KEY_TYPE[family],
        dataType: KEY_TYPE[family],
        flags: ["dynamic", "timeout"],
        timeoutSeconds: timeout,
        size: AFFINITY_MAP_SIZE,
        elements: [],
        resetToken,
      });
      rules.push(affinityHitRule(family, port.protocol, map, targetPort));
    }
  }
  const selection = selectionRules(svc.scheduler, family, port.protocol, targets, affinity);
  for (const r of selection.rules) rules.push(r);
  t.chain(chain, null, rules);
  for (const c of selection.chains) t.chain(c.name, null, c.rules);
}
