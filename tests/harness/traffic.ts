// The traffic client, run inside the client namespace:
//
//   ip netns exec NS node tests/harness/traffic.ts connect '<ConnectRequest JSON>'
//     → opens `count` new connections (or UDP flows), prints one ConnectResult JSON
//   ip netns exec NS node tests/harness/traffic.ts hold '<HoldRequest JSON>'
//     → opens one TCP connection with "hold", prints the reply as a JSON line,
//       then for every "ping" line on stdin sends "ping" and prints the reply
//       (or {"error": code}); exits when stdin closes.
import { connect } from "node:net";
import { createInterface } from "node:readline";
import { tcpAttempt, udpAttempt, type Attempt, type AttemptTarget } from "./traffic-attempt.ts";
import { parseReply } from "./traffic-protocol.ts";

/** What `connect` does. */
export interface ConnectRequest extends Omit<AttemptTarget, "localPort"> {
  readonly count: number;
  /** Attempts in flight at once (default 1: strictly sequential). */
  readonly concurrency?: number;
  /** Source ports to use in turn (attempt i uses localPorts[i % length]). */
  readonly localPorts?: readonly number[];
}

/** What `connect` prints. */
export interface ConnectResult {
  readonly attempts: readonly Attempt[];
}

/** What `hold` does. */
export interface HoldRequest {
  readonly host: string;
  readonly port: number;
  readonly localAddress?: string;
  readonly timeoutMs: number;
}

async function connectMode(request: ConnectRequest): Promise<void> {
  const attempts: Attempt[] = new Array<Attempt>(request.count);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < request.count) {
      const i = next++;
      const localPort = request.localPorts?.[i % request.localPorts.length];
      const target: AttemptTarget = { ...request, ...(localPort ? { localPort } : {}) };
      attempts[i] = await (request.protocol === "udp" ? udpAttempt(target) : tcpAttempt(target));
    }
  };
  const lanes = Math.max(1, Math.min(request.concurrency ?? 1, request.count));
  await Promise.all(Array.from({ length: lanes }, worker));
  const result: ConnectResult = { attempts };
  process.stdout.write(JSON.stringify(result) + "\n");
}

function holdMode(request: HoldRequest): void {
  const socket = connect({
    host: request.host,
    port: request.port,
    ...(request.localAddress === undefined ? {} : { localAddress: request.localAddress }),
  });
  const timer = setTimeout(() => {
    process.stdout.write(JSON.stringify({ error: "timeout" }) + "\n");
    process.exit(1);
  }, request.timeoutMs);
  let data = "";
  socket.setNoDelay(true);
  socket.on("connect", () => socket.write("hold\n"));
  socket.on("data", (chunk: Buffer) => {
    clearTimeout(timer);
    data += chunk.toString("latin1");
    let nl: number;
    while ((nl = data.indexOf("\n")) >= 0) {
      const reply = parseReply(data.slice(0, nl));
      data = data.slice(nl + 1);
      process.stdout.write(JSON.stringify(reply ?? { error: "bad_reply" }) + "\n");
    }
  });
  socket.on("error", (err: NodeJS.ErrnoException) => {
    process.stdout.write(JSON.stringify({ error: err.code ?? "error" }) + "\n");
  });
  socket.on("close", () => {
    process.stdout.write(JSON.stringify({ error: "closed" }) + "\n");
    process.exit(0);
  });
  const lines = createInterface({ input: process.stdin });
  lines.on("line", (line) => {
    if (line.trim() === "ping") socket.write("ping\n");
  });
  lines.on("close", () => {
    socket.destroy();
    process.exit(0);
  });
}

const [mode, json] = process.argv.slice(2);
if (mode === "connect" && json) await connectMode(JSON.parse(json) as ConnectRequest);
else if (mode === "hold" && json) holdMode(JSON.parse(json) as HoldRequest);
else {
  process.stderr.write("usage: traffic.ts connect|hold '<json>'\n");
  process.exit(2);
}
