// Real requests from the labs' client namespaces through the gateways' virtual
// IPs: one new connection (TCP) or flow (UDP) after the other, so the order in
// which backends answer shows the scheduler at work.
import { openConnections } from "../tests/harness/traffic-client.ts";
import { table } from "../services/cli/table.ts";
import { CLIENT_INSIDE, CLIENT_OUTSIDE, CLIENT_V6, type Lab } from "./labs.ts";

/** One kind of request the demo sends. */
export interface Probe {
  readonly service: string;
  readonly protocol: "tcp" | "udp";
  readonly from: string;
  readonly vip: string;
  readonly port: number;
  readonly count: number;
}

/** The demo's requests: web over IPv4 and IPv6, dns from inside and outside the policy. */
export const PROBES: readonly Probe[] = [
  { service: "web", protocol: "tcp", from: CLIENT_INSIDE, vip: "203.0.113.10", port: 80, count: 8 },
  { service: "web", protocol: "tcp", from: CLIENT_V6, vip: "2001:db8:f::10", port: 80, count: 8 },
  { service: "dns", protocol: "udp", from: CLIENT_INSIDE, vip: "203.0.113.53", port: 53, count: 4 },
  {
    service: "dns",
    protocol: "udp",
    from: CLIENT_OUTSIDE,
    vip: "203.0.113.53",
    port: 53,
    count: 4,
  },
];

/** What one probe saw through one gateway: who answered each request, in order. */
export interface ProbeResult {
  readonly gatewayId: string;
  readonly probe: Probe;
  /** Backend name per request, or "-" when nothing answered (dropped, refused, timed out). */
  readonly answers: readonly string[];
}

/** Sends every probe through every lab's gateway (labs in parallel, probes in order). */
export async function sendProbes(labs: readonly Lab[]): Promise<ProbeResult[]> {
  const perLab = await Promise.all(
    labs.map(async (lab) => {
      const results: ProbeResult[] = [];
      for (const probe of PROBES) {
        const summary = await openConnections(lab.topology, {
          protocol: probe.protocol,
          host: probe.vip,
          port: probe.port,
          count: probe.count,
          localAddress: probe.from,
          timeoutMs: 600,
        });
        const answers = summary.attempts.map((a) => a.reply?.backend ?? "-");
        results.push({ gatewayId: lab.gatewayId, probe, answers });
      }
      return results;
    }),
  );
  return perLab.flat();
}

/** Counts per backend, e.g. `b1:2 b2:4 b3:2`, and `no answer:4`; "" for an empty list. */
export function countAnswers(answers: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const a of answers) counts.set(a, (counts.get(a) ?? 0) + 1);
  return [...counts.entries()]
    .sort(([a], [b]) => (a === "-" ? 1 : b === "-" ? -1 : a.localeCompare(b)))
    .map(([name, n]) => `${name === "-" ? "no answer" : name}:${n}`)
    .join(" ");
}

const target = (p: Probe): string =>
  `${p.vip.includes(":") ? `[${p.vip}]` : p.vip}:${p.port}/${p.protocol}`;

/** The results as a table: one row per gateway and probe. */
export function formatResults(results: readonly ProbeResult[]): string {
  return table(
    ["GATEWAY", "SERVICE", "FROM", "TO", "ANSWERED BY (in order)", "COUNT"],
    results.map((r) => [
      r.gatewayId,
      r.probe.service,
      r.probe.from,
      target(r.probe),
      r.answers.join(" "),
      countAnswers(r.answers),
    ]),
  );
}
