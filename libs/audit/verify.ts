// `audit verify`: an integrity check of the whole event stream, message by message.
//
// Checked for every message, in stream order:
// - the stream has no holes (`sequence_gap`: messages removed although the stream
//   denies deletes);
// - the subject is an event subject (`bad_subject`);
// - the bytes decode with today's codec, older schema versions through upcasting:
//   `undecodable` (not an event), `unknown_schema_version`, `invalid_envelope`
//   (ids, version, time, text fields), `invalid_state` (the spec fails today's
//   validation, or the body does not fit the aggregate);
// - subject ↔ envelope agree (`subject_mismatch`), and the `Lbaas-Version` header,
//   when present, is the envelope's version (`header_mismatch`);
// - versions are contiguous per aggregate {kind, id} (`version_gap`,
//   `version_regression`), tombstones included, and a live aggregate does not change
//   group without a tombstone (`group_changed`). An event reported for its spec still
//   counts for the version sequence (it was written), so one bad event is one finding.
// At the end, the whole live state (all groups) passes today's inventory validation
// (`final_state_invalid`: cross-object rules such as two services on one VIP:port,
// which no single event shows).
// Pure: messages in, report out.
import type { AggregateKind, Problem } from "../domain/model.ts";
import { formatProblem } from "../domain/errors.ts";
import { applyEvent, initialState, inventoryOf } from "../domain/state.ts";
import { validateInventory } from "../domain/validate-inventory.ts";
import { decodeEvent } from "../events/codec.ts";
import { isDecodeError } from "../events/errors.ts";
import { isTombstone, parseSubject } from "../events/event.ts";
import { readEnvelope } from "./fast-decode.ts";
import { headline, type LogMessage } from "./log-message.ts";

export type FindingKind =
  | "sequence_gap"
  | "bad_subject"
  | "undecodable"
  | "unknown_schema_version"
  | "invalid_envelope"
  | "invalid_state"
  | "subject_mismatch"
  | "header_mismatch"
  | "version_gap"
  | "version_regression"
  | "group_changed"
  | "final_state_invalid";

/** One anomaly, named with the stream sequence where it shows. */
export interface Finding {
  readonly kind: FindingKind;
  readonly seq: number;
  readonly subject: string;
  /** Lower-case, quoting values: `seq 17: service "web" v3 follows v1 (v2 missing)`. */
  readonly message: string;
  readonly problems: readonly Problem[];
}

export interface VerifyReport {
  readonly ok: boolean;
  readonly events: number;
  readonly firstSeq: number;
  readonly lastSeq: number;
  /** Events per schema version as written (older ones were read through upcasting). */
  readonly schemaVersions: Readonly<Record<string, number>>;
  readonly aggregates: number;
  readonly live: number;
  readonly findings: readonly Finding[];
  /** Findings beyond the kept maximum (counted only). */
  readonly findingsDropped: number;
  readonly counts: Readonly<Partial<Record<FindingKind, number>>>;
}

export const MAX_FINDINGS = 10_000;
const VERSION_HEADER = "Lbaas-Version";

interface Track {
  version: number;
  group: string;
  live: boolean;
}

/** Feeds messages in stream order with `add`, then `finish` for the report. */
export class StreamVerifier {
  private readonly findings: Finding[] = [];
  private readonly counts: Partial<Record<FindingKind, number>> = {};
  private dropped = 0;
  private readonly tracks = new Map<string, Track>();
  private readonly state = initialState();
  private readonly schemaVersions: Record<string, number> = {};
  private events = 0;
  private firstSeq = 0;
  private lastSeq = 0;

  /** Records a finding (kept up to MAX_FINDINGS, counted always). */
  private note(
    kind: FindingKind,
    m: LogMessage,
    detail: string,
    problems: readonly Problem[] = [],
  ): void {
    this.counts[kind] = (this.counts[kind] ?? 0) + 1;
    if (this.findings.length >= MAX_FINDINGS) {
      this.dropped++;
      return;
    }
    this.findings.push({
      kind,
      seq: m.seq,
      subject: m.subject,
      message: `seq ${m.seq}: ${detail}`,
      problems,
    });
  }

  /** Checks one message; messages must come in stream order. Never throws for bad input. */
  add(m: LogMessage): void {
    this.events++;
    if (this.firstSeq === 0) this.firstSeq = m.seq;
    else if (m.seq !== this.lastSeq + 1)
      this.note(
        "sequence_gap",
        m,
        `follows seq ${this.lastSeq}: ${m.seq - this.lastSeq - 1} message(s) are missing from the stream`,
      );
    this.lastSeq = Math.max(this.lastSeq, m.seq);
    const expected = parseSubject(m.subject);
    if (expected === null) {
      this.note(
        "bad_subject",
        m,
        `subject ${JSON.stringify(m.subject)} is not lbaas.evt.<group>.<kind>.<id>`,
      );
      return;
    }
    const what = `${expected.kind} ${JSON.stringify(expected.id)} in group ${JSON.stringify(expected.group)}`;
    let envelope = readEnvelope(m.data);
    try {
      const event = decodeEvent(m.data, expected);
      envelope = { ...event.meta, tombstone: isTombstone(event.body) };
      applyEvent(this.state, { seq: m.seq, event });
    } catch (err) {
      if (!isDecodeError(err)) throw err;
      const first = headline(err);
      const kind: FindingKind =
        err.code === "bad_bytes"
          ? "undecodable"
          : err.code === "unknown_schema_version"
            ? "unknown_schema_version"
            : err.code === "wrong_aggregate"
              ? "subject_mismatch"
              : err.problems.length > 0 && err.problems.every((p) => p.path.startsWith("meta."))
                ? "invalid_envelope"
                : "invalid_state";
      this.note(kind, m, `${what}: ${first}`, err.problems);
      // Versions of bytes that are not this aggregate's event tell nothing about it.
      if (kind === "undecodable" || kind === "subject_mismatch" || kind === "invalid_envelope")
        envelope = null;
    }
    if (envelope === null) return;
    this.schemaVersions[envelope.schemaVersion] =
      (this.schemaVersions[envelope.schemaVersion] ?? 0) + 1;
    const header = m.headers.get(VERSION_HEADER);
    if (header !== undefined && header !== String(envelope.version))
      this.note(
        "header_mismatch",
        m,
        `${what}: header ${VERSION_HEADER} ${JSON.stringify(header)} but the event is v${envelope.version}`,
      );
    this.track(m, expected, envelope.version, !envelope.tombstone);
  }

  private track(
    m: LogMessage,
    { kind, id, group }: { kind: AggregateKind; id: string; group: string },
    version: number,
    live: boolean,
  ): void {
    const key = `${kind}/${id}`;
    const t = this.tracks.get(key) ?? { version: 0, group, live: false };
    const what = `${kind} ${JSON.stringify(id)}`;
    if (version > t.version + 1)
      this.note(
        "version_gap",
        m,
        `${what} v${version} follows v${t.version}: v${t.version + 1}${version - 1 > t.version + 1 ? `-${version - 1}` : ""} missing`,
      );
    else if (version <= t.version)
      this.note("version_regression", m, `${what} v${version} follows v${t.version}`);
    if (t.live && t.group !== group)
      this.note(
        "group_changed",
        m,
        `${what} moves from group ${JSON.stringify(t.group)} to ${JSON.stringify(group)} without a tombstone`,
      );
    this.tracks.set(key, { version, group, live });
  }

  /** The report; `ok` when no finding at all. Call once, after the last message. */
  finish(): VerifyReport {
    this.checkFinalState();
    let live = 0;
    for (const t of this.tracks.values()) if (t.live) live++;
    return {
      ok: this.findings.length === 0 && this.dropped === 0,
      events: this.events,
      firstSeq: this.firstSeq,
      lastSeq: this.lastSeq,
      schemaVersions: { ...this.schemaVersions },
      aggregates: this.tracks.size,
      live,
      findings: [...this.findings],
      findingsDropped: this.dropped,
      counts: { ...this.counts },
    };
  }

  private checkFinalState(): void {
    const inv = inventoryOf(this.state);
    const doc = {
      services: inv.services.map((s, i) => ({
        ...s,
        endpoints: inv.endpoints[i]?.endpoints ?? [],
      })),
      policies: inv.policies,
    };
    const r = validateInventory(doc);
    if (r.ok) return;
    const at: LogMessage = {
      seq: this.lastSeq,
      subject: "",
      data: new Uint8Array(),
      headers: new Map(),
      time: new Date(0),
    };
    for (const p of r.problems) {
      const named = p.path
        .replace(
          /^services\[(\d+)\]/,
          (_, i: string) => `service ${JSON.stringify(inv.services[Number(i)]?.id)}`,
        )
        .replace(
          /^policies\[(\d+)\]/,
          (_, i: string) => `policy ${JSON.stringify(inv.policies[Number(i)]?.id)}`,
        );
      this.note(
        "final_state_invalid",
        at,
        `live state after the last event: ${formatProblem({ ...p, path: named })}`,
        [p],
      );
    }
  }
}
