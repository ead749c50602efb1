// The tiny line protocol between the traffic client and the backend servers.
//
// The client speaks first, one command per line (TCP) or per datagram (UDP):
//   "hello" → the backend answers one reply line and closes the connection;
//   "hold"  → the backend answers and keeps the connection open;
//   "ping"  → the backend answers again on a held connection.
// Each reply is one JSON line saying which backend answered and which peer
// address it saw, so a test can count backends and tell whether SNAT happened.

/** What a backend answers to every command. */
export interface BackendReply {
  /** The backend's name, e.g. "b2". */
  readonly backend: string;
  /** Source address of the connection as the backend saw it. */
  readonly peer: string;
  readonly peerPort: number;
  /** Local address the connection arrived at (the endpoint address after DNAT). */
  readonly local: string;
  readonly localPort: number;
  readonly protocol: "tcp" | "udp";
}

/** Client commands. */
export type TrafficCommand = "hello" | "hold" | "ping";

/**
 * Parses one reply line. Returns null for anything that is not a complete
 * reply (empty input, bad JSON, missing fields); never throws.
 */
export function parseReply(line: string): BackendReply | null {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return null;
  }
  if (typeof value !== "object" || value === null) return null;
  const r = value as Record<string, unknown>;
  if (
    typeof r["backend"] !== "string" ||
    typeof r["peer"] !== "string" ||
    typeof r["peerPort"] !== "number" ||
    typeof r["local"] !== "string" ||
    typeof r["localPort"] !== "number" ||
    (r["protocol"] !== "tcp" && r["protocol"] !== "udp")
  )
    return null;
  return value as BackendReply;
}

/** Strips the IPv4-mapped prefix so "::ffff:198.51.100.10" reads "198.51.100.10". */
export function plainAddress(address: string | undefined): string {
  if (address === undefined) return "";
  return address.startsWith("::ffff:") && address.includes(".") ? address.slice(7) : address;
}
