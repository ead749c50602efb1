// A throwaway network topology for end-to-end tests, the demo and benchmarks:
//
//   client ns ──veth── gateway ns ──bridge── backend ns b1, b2, … bN
//   198.51.100.10      198.51.100.1 | 192.0.2.1            192.0.2.11, .12, …
//   2001:db8:c::10     2001:db8:c::1 | 2001:db8:b::1       2001:db8:b::11, …
//
// The client routes the VIP ranges 203.0.113.0/24 and 2001:db8:f::/64 to the
// gateway, which forwards (v4 and v6). Backends use the gateway as their default
// route unless `backendRoute: "none"`, in which case replies to the client only
// find their way back when the gateway masquerades (SNAT). Nothing is created in
// the host's own namespace: every link is born inside a test namespace.
import { spawn, type ChildProcess, type SpawnOptions } from "node:child_process";
import { randomBytes } from "node:crypto";
import { inNetns, run, type CommandOutput, type RunOptions } from "./netns-exec.ts";
import {
  deleteNamespaceSync,
  NETNS_PREFIX,
  registerTeardown,
  unregisterTeardown,
} from "./netns-cleanup.ts";

export { cleanupStale, listTestNamespaces } from "./netns-cleanup.ts";

/** The VIP ranges the client routes to the gateway. */
export const VIP_V4_RANGE = "203.0.113.0/24";
export const VIP_V6_RANGE = "2001:db8:f::/64";

/** Options of {@link createTopology}; every field has a default. */
export interface TopologyOptions {
  /** Number of backend namespaces (default 3, at most 80). */
  readonly backends?: number;
  /** Client IPv4 addresses inside 198.51.100.0/24 (default ["198.51.100.10"]). */
  readonly clientV4?: readonly string[];
  /** Client IPv6 addresses inside 2001:db8:c::/64 (default ["2001:db8:c::10"]). */
  readonly clientV6?: readonly string[];
  /** "gateway" (default): backends' default route is the gateway; "none": no default route. */
  readonly backendRoute?: "gateway" | "none";
}

/** One backend namespace and its addresses. */
export interface BackendHost {
  /** Short name, "b1", "b2", …: what the backend server reports. */
  readonly name: string;
  /** The namespace name. */
  readonly ns: string;
  readonly v4: string;
  readonly v6: string;
}

/** Namespace names of a topology. */
export interface TopologyNames {
  readonly id: string;
  readonly client: string;
  readonly gateway: string;
  readonly backends: readonly string[];
}

/** A running topology. */
export interface Topology {
  readonly names: TopologyNames;
  readonly client: { readonly v4: readonly string[]; readonly v6: readonly string[] };
  /** The gateway's own addresses on the client link and on the backend bridge. */
  readonly gateway: {
    readonly clientV4: string;
    readonly clientV6: string;
    readonly backendV4: string;
    readonly backendV6: string;
  };
  readonly backends: readonly BackendHost[];
  /** Runs `argv` inside namespace `ns`; rejects with a CommandError on failure. */
  exec(ns: string, argv: readonly string[], options?: RunOptions): Promise<CommandOutput>;
  /** Starts a long-running process inside `ns`; stop() kills it. */
  spawn(ns: string, argv: readonly string[], options?: SpawnOptions): ChildProcess;
  /** Kills every process inside the namespaces and deletes them; idempotent. */
  stop(): Promise<void>;
}

const GATEWAY = {
  clientV4: "198.51.100.1",
  clientV6: "2001:db8:c::1",
  backendV4: "192.0.2.1",
  backendV6: "2001:db8:b::1",
};

function sysctl(ns: string, settings: Record<string, string>): Promise<CommandOutput> {
  const args = Object.entries(settings).map(([k, v]) => `${k}=${v}`);
  return run(inNetns(ns, ["sysctl", "-q", "-w", ...args]));
}

function ipBatch(ns: string, lines: readonly string[]): Promise<CommandOutput> {
  return run(["ip", "-n", ns, "-batch", "-"], { input: lines.join("\n") + "\n" });
}

/** Settings for every namespace: v6 addresses usable at once (no DAD). */
const noDad = { "net.ipv6.conf.all.accept_dad": "0", "net.ipv6.conf.default.accept_dad": "0" };

/**
 * Creates the namespaces, links, addresses and routes, and returns a handle.
 * Names are `lbt-<random>-client`, `-gw`, `-b1`…; they are deleted by stop(), on
 * process exit and on SIGINT/SIGTERM. Rejects (after removing whatever it made)
 * when a command fails, e.g. when not running as root.
 */
export async function createTopology(options: TopologyOptions = {}): Promise<Topology> {
  const count = options.backends ?? 3;
  if (!Number.isInteger(count) || count < 1 || count > 80)
    throw new RangeError(`backends: ${count} is not an integer in 1-80`);
  const id = randomBytes(4).toString("hex");
  const base = `${NETNS_PREFIX}${id}`;
  const backends: BackendHost[] = Array.from({ length: count }, (_, i) => ({
    name: `b${i + 1}`,
    ns: `${base}-b${i + 1}`,
    v4: `192.0.2.${11 + i}`,
    v6: `2001:db8:b::${11 + i}`,
  }));
  const names: TopologyNames = {
    id,
    client: `${base}-client`,
    gateway: `${base}-gw`,
    backends: backends.map((b) => b.ns),
  };
  const client = {
    v4: options.clientV4 ?? ["198.51.100.10"],
    v6: options.clientV6 ?? ["2001:db8:c::10"],
  };
  for (const a of client.v4)
    if (!/^198\.51\.100\.\d{1,3}$/.test(a))
      throw new RangeError(`clientV4: ${JSON.stringify(a)} is not in 198.51.100.0/24`);
  for (const a of client.v6)
    if (!/^2001:db8:c::[0-9a-f]{1,4}$/.test(a))
      throw new RangeError(`clientV6: ${JSON.stringify(a)} is not in 2001:db8:c::/64`);
  const all = [names.client, names.gateway, ...names.backends];
  const children = new Set<ChildProcess>();
  let stopped = false;

  const teardownSync = (): void => {
    stopped = true;
    for (const child of children) child.kill("SIGKILL");
    for (const ns of all) deleteNamespaceSync(ns);
  };
  registerTeardown(id, teardownSync);

  try {
    for (const ns of all) {
      await run(["ip", "netns", "add", ns]);
      await ipBatch(ns, ["link set lo up"]);
      await sysctl(ns, noDad);
    }
    await sysctl(names.gateway, {
      "net.ipv4.ip_forward": "1",
      "net.ipv6.conf.all.forwarding": "1",
    });
    // Many short-lived connections from one address: widen the port range and
    // let TIME_WAIT ports be reused so load runs do not run out of ports.
    await sysctl(names.client, {
      "net.ipv4.ip_local_port_range": "1024 65535",
      "net.ipv4.tcp_tw_reuse": "1",
    });
    await ipBatch(names.client, [
      `link add eth0 type veth peer name to-client netns ${names.gateway}`,
      "link set eth0 up",
      ...client.v4.map((a) => `addr add ${a}/24 dev eth0`),
      ...client.v6.map((a) => `addr add ${a}/64 dev eth0 nodad`),
      `route add ${VIP_V4_RANGE} via ${GATEWAY.clientV4}`,
      `route add ${VIP_V6_RANGE} via ${GATEWAY.clientV6}`,
    ]);
    await ipBatch(names.gateway, [
      "link add br-backends type bridge",
      "link set to-client up",
      "link set br-backends up",
      `addr add ${GATEWAY.clientV4}/24 dev to-client`,
      `addr add ${GATEWAY.clientV6}/64 dev to-client nodad`,
      `addr add ${GATEWAY.backendV4}/24 dev br-backends`,
      `addr add ${GATEWAY.backendV6}/64 dev br-backends nodad`,
    ]);
    for (const b of backends) {
      await ipBatch(b.ns, [
        `link add eth0 type veth peer name to-${b.name} netns ${names.gateway}`,
        "link set eth0 up",
        `addr add ${b.v4}/24 dev eth0`,
        `addr add ${b.v6}/64 dev eth0 nodad`,
        ...(options.backendRoute === "none"
          ? []
          : [
              `route add default via ${GATEWAY.backendV4}`,
              `route add ::/0 via ${GATEWAY.backendV6}`,
            ]),
      ]);
      await ipBatch(names.gateway, [
        `link set to-${b.name} master br-backends`,
        `link set to-${b.name} up`,
      ]);
    }
  } catch (err) {
    teardownSync();
    unregisterTeardown(id);
    throw err;
  }

  return {
    names,
    client,
    gateway: GATEWAY,
    backends,
    exec: (ns, argv, runOptions) => run(inNetns(ns, argv), runOptions),
    spawn: (ns, argv, spawnOptions = {}) => {
      if (stopped) throw new Error(`topology ${JSON.stringify(id)} is stopped`);
      const [file, ...args] = inNetns(ns, argv);
      const child = spawn(file ?? "ip", args, { stdio: ["pipe", "pipe", "pipe"], ...spawnOptions });
      children.add(child);
      child.once("exit", () => children.delete(child));
      return child;
    },
    stop: () => {
      if (!stopped) {
        teardownSync();
        unregisterTeardown(id);
      }
      return Promise.resolve();
    },
  };
}

/** A single empty namespace (loopback up), e.g. to time `nft -f` in isolation. */
export interface BareNamespace {
  readonly name: string;
  exec(argv: readonly string[], options?: RunOptions): Promise<CommandOutput>;
  /** Deletes the namespace (and kills what runs in it); idempotent. */
  stop(): Promise<void>;
}

/**
 * Creates `lbt-<random>-<label>` with only loopback up; removed by stop(), on
 * exit and on SIGINT/SIGTERM like a topology. `label` must be a short word
 * ([a-z0-9]{1,20}); rejects otherwise or when `ip netns add` fails.
 */
export async function createNamespace(label: string): Promise<BareNamespace> {
  if (!/^[a-z0-9]{1,20}$/.test(label))
    throw new RangeError(`label: ${JSON.stringify(label)} is not [a-z0-9]{1,20}`);
  const id = randomBytes(4).toString("hex");
  const name = `${NETNS_PREFIX}${id}-${label}`;
  let stopped = false;
  const teardownSync = (): void => {
    stopped = true;
    deleteNamespaceSync(name);
  };
  registerTeardown(id, teardownSync);
  try {
    await run(["ip", "netns", "add", name]);
    await ipBatch(name, ["link set lo up"]);
  } catch (err) {
    teardownSync();
    unregisterTeardown(id);
    throw err;
  }
  return {
    name,
    exec: (argv, options) => run(inNetns(name, argv), options),
    stop: () => {
      if (!stopped) {
        teardownSync();
        unregisterTeardown(id);
      }
      return Promise.resolve();
    },
  };
}
