// The demo's sequence, section by section: network, processes, apply, traffic,
// status, ruleset, a change, traffic again, history. Every step uses the real
// programs (bin/*.ts) and real packets; what the traffic must show is checked.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { table } from "../services/cli/table.ts";
import { lbaasCli, type CliEnv } from "./cli.ts";
import { AFTER, BEFORE, judge, type Expectation } from "./expect.ts";
import { holdTo } from "./held.ts";
import { CLIENT_INSIDE, createLabs, type Lab } from "./labs.ts";
import { startNats } from "./nats.ts";
import { showChain, showTable } from "./ruleset.ts";
import { block, check, heading, note } from "./say.ts";
import { startControlPlane, startGateway, waitGatewaysLive } from "./services.ts";
import { formatResults, sendProbes } from "./traffic.ts";

const GROUP = "default";
const GATEWAYS = ["gw-a", "gw-b"] as const;
const root = fileURLToPath(new URL("..", import.meta.url));

/** Where the demo keeps its files. */
export interface StoryDirs {
  /** nats-server's store and log (`.demo/nats`). */
  readonly nats: string;
  /** The services' logs (`.demo/logs`). */
  readonly logs: string;
}

/** What the story leaves running for exploration, and how many checks failed. */
export interface StoryOutcome {
  readonly failures: number;
  readonly env: CliEnv;
}

/** What the story made that needs removing, filled in as it goes. */
export interface StoryMade {
  labs: readonly Lab[];
}

async function trafficSection(labs: readonly Lab[], expected: Expectation): Promise<number> {
  const results = await sendProbes(labs);
  block(formatResults(results));
  note("");
  const verdicts = judge(results, expected);
  for (const v of verdicts) check(v.ok, v.text);
  return verdicts.filter((v) => !v.ok).length;
}

/** The non-comment lines that differ between two files of equal shape (a tiny diff). */
function changedLines(before: string, after: string): string {
  const strip = (t: string): string[] => t.split("\n").filter((l) => !/^\s*#/.test(l));
  const [a, b] = [strip(before), strip(after)];
  if (a.length !== b.length) return after;
  return a.flatMap((l, i) => (l === b[i] ? [] : [`- ${l}`, `+ ${b[i] ?? ""}`])).join("\n");
}

/**
 * Runs the whole demo, recording in `made` what it creates. Resolves with the
 * number of failed checks; rejects when a step cannot be done (a process does
 * not start, a command fails): the caller cleans up either way.
 */
export async function runStory(dirs: StoryDirs, made: StoryMade): Promise<StoryOutcome> {
  heading(
    "The network",
    "Two gateway hosts, each with its own clients and five backends, all in network",
    "namespaces (nothing touches this machine's own network or nftables):",
  );
  const labs = await createLabs(GATEWAYS);
  made.labs = labs;
  block(
    table(
      ["GATEWAY", "CLIENT NS", "GATEWAY NS", "BACKEND NS"],
      labs.map((l) => [
        l.gatewayId,
        l.topology.names.client,
        l.topology.names.gateway,
        `${l.topology.names.backends[0] ?? ""} … -b5`,
      ]),
    ),
  );
  note("Clients 198.51.100.10, 198.51.100.200 and 2001:db8:c::10 route the VIP ranges");
  note("203.0.113.0/24 and 2001:db8:f::/64 to their gateway. Backends b1-b5 are");
  note("192.0.2.11-15 and 2001:db8:b::11-15; each answers with its own name.");

  heading(
    "Starting the system",
    "A NATS JetStream server (the event log), the control plane (the only writer of",
    "events, HTTP API), and one lbaas-gateway per lab (reads its group's events, renders",
    "nftables rules, applies them in its gateway namespace, reports status).",
  );
  const nats = await startNats(dirs.nats);
  const cp = await startControlPlane(nats.url, dirs.logs);
  const gateways = await Promise.all(
    labs.map((l) =>
      startGateway(
        nats.url,
        { id: l.gatewayId, group: GROUP, netns: l.topology.names.gateway },
        dirs.logs,
      ),
    ),
  );
  await waitGatewaysLive(cp, GATEWAYS);
  const rel = (p: string): string => p.replace(`${root}`, "");
  block(
    table(
      ["PROCESS", "PID", "ADDRESS", "LOG"],
      [
        ["nats-server", String(nats.child.pid), nats.url, rel(nats.child.log)],
        ["control plane", String(cp.child.pid), cp.http, rel(cp.child.log)],
        ...gateways.map((g) => [g.child.name, String(g.child.pid), g.http, rel(g.child.log)]),
      ],
    ),
  );
  const env: CliEnv = { LBAAS_SERVER: cp.http, NATS_URL: nats.url };
  note(
    `\nThe commands below find them through: export LBAAS_SERVER=${env.LBAAS_SERVER} NATS_URL=${env.NATS_URL}`,
  );

  heading(
    "Applying the inventory",
    "demo/inventory.yaml declares two services and a network policy:",
    "  web  TCP, IPv4 + IPv6 VIPs, weighted round-robin over b1, b2 (weight 2), b3",
    "  dns  UDP over b4, b5, protected by policy dns-clients (198.51.100.0/24 only)",
    "`--wait` returns once every live gateway of the group applied the new events.",
  );
  await lbaasCli(env, [
    "apply",
    "-f",
    "demo/inventory.yaml",
    "--wait",
    "--reason",
    "demo: first apply",
  ]);
  await lbaasCli(env, ["get", "services"]);

  heading(
    "Traffic",
    "New connections from each lab's client through its gateway, one after the other;",
    "each backend answers with its name. `-` means no answer.",
  );
  let failures = await trafficSection(labs, BEFORE);

  heading(
    "Convergence",
    "Every gateway reports each apply (ok or error, the event sequence it covers, the",
    "ruleset hash) and a heartbeat; the control plane shows who runs what, and the lag.",
  );
  await lbaasCli(env, ["status"]);

  const [labA] = labs as [Lab, ...Lab[]];
  heading(
    `The ruleset gw-a applied`,
    "Read back from the kernel. Dispatch is one verdict-map lookup on",
    "address . protocol . port (service-ips-v4/v6); each service chain picks an endpoint.",
  );
  await showTable(labA, "lbaas");
  await showTable(labA, "lbaas-filter");

  heading(
    "A change",
    "demo/inventory-changed.yaml drains b2 of web and lets only 198.51.100.0/25 query",
    "dns. A connection to b2 is held open across the change: draining stops new",
    "connections only. The edits:",
  );
  const held = await holdTo(labA, { vip: "203.0.113.10", port: 80, from: CLIENT_INSIDE }, "b2");
  try {
    block(
      changedLines(
        readFileSync(join(root, "demo/inventory.yaml"), "utf8"),
        readFileSync(join(root, "demo/inventory-changed.yaml"), "utf8"),
      ),
    );
    await lbaasCli(
      env,
      ["apply", "-f", "demo/inventory-changed.yaml", "--wait"].concat([
        "--reason",
        "demo: drain b2, dns for 198.51.100.0/25 only",
      ]),
    );

    heading(
      "Traffic after the change",
      "gw-a's rules now: b2 has no rule in web's chain; the policy allows only the /25.",
    );
    await showChain(labA, "lbaas", "svc-web-tcp-80-v4");
    await showChain(labA, "lbaas-filter", "pol-dns-clients");
    note("\nThe same requests again:");
    failures += await trafficSection(labs, AFTER);
    const reply = await held.ping().catch(() => null);
    const kept = reply?.backend === "b2" && reply.peerPort === held.first.peerPort;
    check(
      kept,
      `gw-a: the connection held open to b2 still answers (${reply?.backend ?? "no answer"})`,
    );
    if (!kept) failures += 1;
  } finally {
    held.close();
  }

  heading(
    "History",
    "Every change is an event in JetStream, with its version, time, actor and reason.",
    "`lbaas history` replays the log (straight from NATS, not from the control plane).",
  );
  await lbaasCli(env, ["history", "endpoints", "web"]);
  await lbaasCli(env, ["history", "policy", "dns-clients"]);
  return { failures, env };
}
