// One new connection (TCP) or one new flow (UDP, a fresh connected socket) to a
// target, classified: answered by a backend, refused (RST / ICMP port
// unreachable), unreachable (other ICMP errors), timed out, or another error.
// Runs inside the client namespace (see traffic.ts); no namespace logic here.
import { createSocket } from "node:dgram";
import { connect, isIPv6 } from "node:net";
import { parseReply, type BackendReply, type TrafficCommand } from "./traffic-protocol.ts";

/** How one attempt ended. */
export type AttemptOutcome = "answered" | "refused" | "unreachable" | "timeout" | "error";

/** The result of one attempt. */
export interface Attempt {
  readonly outcome: AttemptOutcome;
  /** The backend's reply when `outcome` is "answered". */
  readonly reply: BackendReply | null;
  /** Error code (ECONNREFUSED, EHOSTUNREACH, …) or "timeout"; null when answered. */
  readonly code: string | null;
  /** Milliseconds from start to the outcome. */
  readonly ms: number;
  /** The local port used (0 when unknown). */
  readonly localPort: number;
}

/** Where and how to connect. */
export interface AttemptTarget {
  readonly protocol: "tcp" | "udp";
  readonly host: string;
  readonly port: number;
  readonly localAddress?: string;
  readonly localPort?: number;
  readonly timeoutMs: number;
}

function classify(code: string): AttemptOutcome {
  if (code === "ECONNREFUSED" || code === "ECONNRESET") return "refused";
  if (code === "EHOSTUNREACH" || code === "ENETUNREACH" || code === "EACCES") return "unreachable";
  return "error";
}

/**
 * Opens one TCP connection, sends "hello", waits for the reply line. Never
 * rejects: every failure becomes an {@link Attempt} with its outcome.
 */
export function tcpAttempt(target: AttemptTarget): Promise<Attempt> {
  const start = performance.now();
  return new Promise((resolve) => {
    let done = false;
    let data = "";
    const socket = connect({
      host: target.host,
      port: target.port,
      ...(target.localAddress === undefined ? {} : { localAddress: target.localAddress }),
      ...(target.localPort === undefined ? {} : { localPort: target.localPort }),
    });
    const finish = (outcome: AttemptOutcome, code: string | null, reply: BackendReply | null) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      const localPort = socket.localPort ?? target.localPort ?? 0;
      // Answered connections close with RST: no TIME_WAIT on either end, so a
      // fixed source port can be used again at once.
      if (outcome === "answered") socket.resetAndDestroy();
      else socket.destroy();
      resolve({ outcome, reply, code, ms: performance.now() - start, localPort });
    };
    const timer = setTimeout(() => finish("timeout", "timeout", null), target.timeoutMs);
    socket.setNoDelay(true);
    socket.on("connect", () => socket.write("hello\n"));
    socket.on("data", (chunk: Buffer) => {
      data += chunk.toString("latin1");
      const nl = data.indexOf("\n");
      if (nl >= 0) {
        const reply = parseReply(data.slice(0, nl));
        if (reply) finish("answered", null, reply);
        else finish("error", "bad_reply", null);
      }
    });
    socket.on("error", (err: NodeJS.ErrnoException) => {
      const code = err.code ?? "error";
      finish(classify(code), code, null);
    });
    socket.on("close", () => finish("error", "closed_without_reply", null));
  });
}

/**
 * Sends "hello" from a fresh connected UDP socket (a new flow for conntrack)
 * and waits for one reply datagram. Never rejects.
 */
export function udpAttempt(target: AttemptTarget): Promise<Attempt> {
  const start = performance.now();
  return new Promise((resolve) => {
    let done = false;
    const socket = createSocket(isIPv6(target.host) ? "udp6" : "udp4");
    let localPort = 0;
    const finish = (outcome: AttemptOutcome, code: string | null, reply: BackendReply | null) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.close();
      resolve({ outcome, reply, code, ms: performance.now() - start, localPort });
    };
    const timer = setTimeout(() => finish("timeout", "timeout", null), target.timeoutMs);
    socket.on("message", (msg) => {
      const reply = parseReply(msg.toString("latin1").trim());
      if (reply) finish("answered", null, reply);
      else finish("error", "bad_reply", null);
    });
    socket.on("error", (err: NodeJS.ErrnoException) => {
      const code = err.code ?? "error";
      finish(classify(code), code, null);
    });
    const bindOptions = {
      port: target.localPort ?? 0,
      ...(target.localAddress === undefined ? {} : { address: target.localAddress }),
    };
    socket.bind(bindOptions, () => {
      socket.connect(target.port, target.host, () => {
        localPort = socket.address().port;
        const command: TrafficCommand = "hello";
        socket.send(command + "\n");
      });
    });
  });
}
