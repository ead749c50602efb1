// Which ruleset each gateway ran at a given time, from the status stream.
//
// Every gateway publishes a report per apply attempt and periodic heartbeats on
// `lbaas.status.<group>.<gatewayId>`. At time T, a gateway ran the ruleset of its
// last message stored at or before T: a heartbeat names the running hash and the
// applied sequence; an ok report names the new hash and the sequence it covers; a
// failed report names the last GOOD hash (the gateway kept it), so its sequence is
// not "applied" and the previous applied sequence stands.
//
// LBAAS_STATUS keeps bounded history (per gateway and by age). A gateway whose
// oldest kept message is after T is listed as unknown, not left out: its record at T
// may have been trimmed. Pure.
import { decodeHeartbeat, decodeReport } from "../events/status-codec.ts";
import { isDecodeError } from "../events/errors.ts";
import type { ApplyError, GatewayHeartbeat, GatewayReport } from "../events/status.ts";
import { headline, type LogMessage } from "./log-message.ts";

/** Header naming the kind of a status message (`report` or `heartbeat`). */
export const STATUS_TYPE_HEADER = "Lbaas-Status-Type";

type StatusMessage =
  | { readonly type: "report"; readonly value: GatewayReport }
  | { readonly type: "heartbeat"; readonly value: GatewayHeartbeat };

/**
 * Decodes a status message by its `Lbaas-Status-Type` header; without one, as a
 * report, else as a heartbeat (a heartbeat never decodes as a valid report: its
 * `sent_at` lands on the report's sync kind). Throws DecodeError when it is neither.
 */
export function decodeStatusMessage(data: Uint8Array, type: string | undefined): StatusMessage {
  if (type === "heartbeat") return { type, value: decodeHeartbeat(data) };
  if (type === "report") return { type, value: decodeReport(data) };
  try {
    return { type: "report", value: decodeReport(data) };
  } catch {
    return { type: "heartbeat", value: decodeHeartbeat(data) };
  }
}

/** A gateway at time T. */
export interface GatewayAt {
  readonly gatewayId: string;
  readonly group: string;
  /** `known`: a message at or before T; `unknown`: only later ones are kept. */
  readonly known: boolean;
  /** The running ruleset's hash at T ("" when unknown). */
  readonly rulesetHash: string;
  /** The last events sequence applied at T (0 when unknown or never). */
  readonly appliedSequence: number;
  /** The message the answer comes from: its kind, stream sequence and storage time. */
  readonly source: "report" | "heartbeat" | null;
  readonly statusSeq: number;
  readonly seenAt: string | null;
  /** The error of the last failed apply at or before T, if the gateway had not recovered. */
  readonly lastError: ApplyError | null;
  /** For unknown gateways: the storage time of the oldest kept message. */
  readonly firstKeptAt: string | null;
}

export interface StatusAt {
  /** The time asked for (ISO 8601). */
  readonly at: string;
  readonly gateways: readonly GatewayAt[];
  /** Status messages read, and those that did not decode (skipped). */
  readonly messages: number;
  readonly undecodable: readonly {
    readonly seq: number;
    readonly subject: string;
    readonly message: string;
  }[];
}

interface Acc {
  gatewayId: string;
  group: string;
  known: boolean;
  rulesetHash: string;
  appliedSequence: number;
  source: "report" | "heartbeat" | null;
  statusSeq: number;
  seenAt: string | null;
  lastError: ApplyError | null;
  firstKeptAt: string | null;
}

/** The gateway id and group of a status subject, or null. */
function parseStatusSubject(subject: string): { group: string; gatewayId: string } | null {
  const parts = subject.split(".");
  if (parts.length !== 4 || parts[0] !== "lbaas" || parts[1] !== "status") return null;
  return { group: parts[2] as string, gatewayId: parts[3] as string };
}

/**
 * Folds status messages (in stream order, ALL of them, also those after `at`: they
 * tell which gateways exist but have no record at `at`) into each gateway's state at
 * `at` (unix ms, compared with storage time). Sorted by group then gateway id.
 * Undecodable messages are listed and skipped. Empty input → no gateways.
 */
export function statusAt(messages: Iterable<LogMessage>, at: number): StatusAt {
  const gateways = new Map<string, Acc>();
  const undecodable: { seq: number; subject: string; message: string }[] = [];
  let count = 0;
  for (const m of messages) {
    count++;
    const who = parseStatusSubject(m.subject);
    if (who === null) continue;
    const key = `${who.group}/${who.gatewayId}`;
    let g = gateways.get(key);
    if (g === undefined) {
      g = {
        ...who,
        known: false,
        rulesetHash: "",
        appliedSequence: 0,
        source: null,
        statusSeq: 0,
        seenAt: null,
        lastError: null,
        firstKeptAt: m.time.toISOString(),
      };
      gateways.set(key, g);
    }
    if (m.time.getTime() > at) continue;
    let s: StatusMessage;
    try {
      s = decodeStatusMessage(m.data, m.headers.get(STATUS_TYPE_HEADER));
    } catch (err) {
      if (!isDecodeError(err)) throw err;
      undecodable.push({
        seq: m.seq,
        subject: m.subject,
        message: headline(err),
      });
      continue;
    }
    g.known = true;
    g.firstKeptAt = null;
    g.source = s.type;
    g.statusSeq = m.seq;
    g.seenAt = m.time.toISOString();
    g.rulesetHash = s.value.rulesetHash;
    if (s.type === "heartbeat") {
      g.appliedSequence = s.value.appliedSequence;
      g.lastError = s.value.lastError;
    } else if (s.value.result.ok) {
      g.appliedSequence = s.value.streamSequence;
      g.lastError = null;
    } else g.lastError = s.value.result.error;
  }
  const list = [...gateways.values()].sort((a, b) =>
    a.group === b.group ? cmp(a.gatewayId, b.gatewayId) : cmp(a.group, b.group),
  );
  return { at: new Date(at).toISOString(), gateways: list, messages: count, undecodable };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
