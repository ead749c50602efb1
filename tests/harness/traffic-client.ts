// Drives traffic.ts inside the client namespace of a topology and summarises
// what came back: which backend answered how often, which peer addresses the
// backends saw, and how many attempts were refused, unreachable or timed out.
import { fileURLToPath } from "node:url";
import type { Topology } from "./netns.ts";
import type { Attempt } from "./traffic-attempt.ts";
import type { BackendReply } from "./traffic-protocol.ts";
import { parseReply } from "./traffic-protocol.ts";
import type { ConnectRequest, ConnectResult, HoldRequest } from "./traffic.ts";

const script = fileURLToPath(new URL("./traffic.ts", import.meta.url));

/** Counts over a batch of attempts. */
export interface TrafficSummary {
  readonly attempts: readonly Attempt[];
  /** Answers per backend name. */
  readonly byBackend: Readonly<Record<string, number>>;
  /** Answers per peer address seen by the backend (the client's or the gateway's). */
  readonly peers: Readonly<Record<string, number>>;
  readonly answered: number;
  readonly refused: number;
  readonly unreachable: number;
  readonly timeouts: number;
  readonly errors: number;
  /** Slowest refusal or unreachable answer in ms (0 when none). */
  readonly slowestRejectionMs: number;
}

/** Options of {@link openConnections}; defaults: tcp, 1 lane, 1000 ms timeout. */
export type ConnectOptions = Omit<ConnectRequest, "protocol" | "timeoutMs"> & {
  readonly protocol?: "tcp" | "udp";
  readonly timeoutMs?: number;
};

/** Reduces attempts to a {@link TrafficSummary}; an empty list gives zeros. */
export function summarise(attempts: readonly Attempt[]): TrafficSummary {
  const byBackend: Record<string, number> = {};
  const peers: Record<string, number> = {};
  const count = (outcome: Attempt["outcome"]): number =>
    attempts.filter((a) => a.outcome === outcome).length;
  for (const a of attempts) {
    if (a.reply) {
      byBackend[a.reply.backend] = (byBackend[a.reply.backend] ?? 0) + 1;
      peers[a.reply.peer] = (peers[a.reply.peer] ?? 0) + 1;
    }
  }
  const rejections = attempts.filter((a) => a.outcome === "refused" || a.outcome === "unreachable");
  return {
    attempts,
    byBackend,
    peers,
    answered: count("answered"),
    refused: count("refused"),
    unreachable: count("unreachable"),
    timeouts: count("timeout"),
    errors: count("error"),
    slowestRejectionMs: Math.max(0, ...rejections.map((a) => a.ms)),
  };
}

/**
 * Opens `count` new connections (TCP) or flows (UDP) from the client namespace
 * to `host:port` and summarises them. Rejects only when the client process
 * itself fails (bad request, namespace gone); failed connections are counted.
 */
export async function openConnections(
  topology: Topology,
  options: ConnectOptions,
): Promise<TrafficSummary> {
  const request: ConnectRequest = { protocol: "tcp", timeoutMs: 1000, ...options };
  const budget = request.timeoutMs * Math.ceil(request.count / (request.concurrency ?? 1)) + 30_000;
  const { stdout } = await topology.exec(
    topology.names.client,
    [process.execPath, script, "connect", JSON.stringify(request)],
    { timeoutMs: budget },
  );
  const result = JSON.parse(stdout) as ConnectResult;
  return summarise(result.attempts);
}

/** A TCP connection held open through the gateway. */
export interface HeldConnection {
  /** The reply to "hold": which backend holds the connection. */
  readonly first: BackendReply;
  /** Sends "ping" and resolves with the reply; rejects on error, close or timeout. */
  ping(timeoutMs?: number): Promise<BackendReply>;
  /** Closes the connection and ends the client process. */
  close(): void;
}

/**
 * Opens one long-lived TCP connection from the client namespace (command
 * "hold"). Rejects if no backend answers within `timeoutMs` (default 2000).
 */
export async function holdConnection(
  topology: Topology,
  options: Omit<HoldRequest, "timeoutMs"> & { readonly timeoutMs?: number },
): Promise<HeldConnection> {
  const request: HoldRequest = { timeoutMs: 2000, ...options };
  const child = topology.spawn(topology.names.client, [
    process.execPath,
    script,
    "hold",
    JSON.stringify(request),
  ]);
  const waiting: ((line: string) => void)[] = [];
  let buffered = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    buffered += chunk.toString();
    let nl: number;
    while ((nl = buffered.indexOf("\n")) >= 0) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      waiting.shift()?.(line);
    }
  });
  const nextLine = (timeoutMs: number): Promise<BackendReply> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`held connection: no reply in ${timeoutMs} ms`)),
        timeoutMs,
      );
      waiting.push((line) => {
        clearTimeout(timer);
        const reply = parseReply(line);
        if (reply) resolve(reply);
        else reject(new Error(`held connection: ${line}`));
      });
    });
  const close = (): void => {
    child.stdin?.end();
    child.kill("SIGTERM");
  };
  try {
    const first = await nextLine(request.timeoutMs + 1000);
    return {
      first,
      ping: (timeoutMs = 2000) => {
        const reply = nextLine(timeoutMs);
        child.stdin?.write("ping\n");
        return reply;
      },
      close,
    };
  } catch (err) {
    close();
    throw err;
  }
}
