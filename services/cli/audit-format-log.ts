// Human output of `lbaas history`, `lbaas audit verify` and `lbaas status --at`.
import { formatChange } from "../../libs/audit/field-diff.ts";
import type { History, HistoryEntry } from "../../libs/audit/history.ts";
import type { StatusAt } from "../../libs/audit/status-at.ts";
import type { VerifyResult } from "../audit/results.ts";
import { count } from "./audit-table.ts";
import { table } from "./table.ts";

function who(e: HistoryEntry): string {
  const parts = [`by ${JSON.stringify(e.actor)}`];
  if (e.reason !== "") parts.push(`reason ${JSON.stringify(e.reason)}`);
  if (e.correlationId !== "") parts.push(`correlation ${JSON.stringify(e.correlationId)}`);
  return parts.join("  ");
}

/** The history as text: one header line per event, then its changes, indented. */
export function formatHistory(h: History): string {
  const state = h.live ? "live" : "deleted";
  const lines = [
    `${h.kind} ${JSON.stringify(h.id)}: ${h.entries.length} event(s), now v${h.version}, ${state}`,
    "",
  ];
  for (const e of h.entries) {
    const v = e.version === null ? "?" : `v${e.version}`;
    const head = `${v.padEnd(4)} seq ${String(e.seq).padEnd(7)} ${e.storedAt}  ${e.change.padEnd(8)}`;
    if (e.change === "unreadable") lines.push(`${head}  ${e.subject}`);
    else {
      const group = e.group !== null ? `  group ${e.group}` : "";
      const schema =
        e.schemaVersion !== null && e.schemaVersion < 2
          ? `  (schema v${e.schemaVersion}, upcast)`
          : "";
      lines.push(`${head}  ${who(e)}${group}${schema}`);
    }
    if (e.change === "created") lines.push(`      ${JSON.stringify(e.spec)}`);
    for (const c of e.changes) lines.push(`      ${formatChange(c)}`);
    for (const p of e.problems) lines.push(`      ! ${p}`);
  }
  return `${lines.join("\n")}\n`;
}

/** The verify report: a summary line, PASS or FAIL, and every finding with its sequence. */
export function formatVerify(r: VerifyResult): string {
  const versions = Object.entries(r.schemaVersions)
    .map(([v, n]) => `v${v}: ${count(n)}`)
    .join(", ");
  const range = r.events === 0 ? "empty" : `seq ${r.firstSeq}-${r.lastSeq}`;
  const lines = [
    `${r.stream} ${range}: ${count(r.events)} event(s), ${count(r.aggregates)} aggregate(s) (${count(r.live)} live); schema versions ${versions || "-"}`,
  ];
  if (r.ok) {
    lines.push("PASS: versions contiguous, every event decodes and passes today's validation");
    return `${lines.join("\n")}\n`;
  }
  const total = r.findings.length + r.findingsDropped;
  const byKind = Object.entries(r.counts)
    .map(([k, n]) => `${k} ${n}`)
    .join(", ");
  lines.push(`FAIL: ${count(total)} finding(s): ${byKind}`, "");
  const width = Math.max(...r.findings.map((f) => String(f.seq).length));
  for (const f of r.findings) {
    const text = f.message.replace(/^seq \d+: /, "");
    lines.push(`seq ${String(f.seq).padEnd(width)}  ${f.kind.padEnd(22)}  ${text}`);
    for (const p of f.problems.slice(0, 5)) lines.push(`    ${p.path}: ${p.message}`);
    if (f.problems.length > 5) lines.push(`    … and ${f.problems.length - 5} more`);
  }
  if (r.findingsDropped > 0) lines.push(`… and ${count(r.findingsDropped)} more (not kept)`);
  return `${lines.join("\n")}\n`;
}

/** Status at a time: one row per gateway. */
export function formatStatusAt(s: StatusAt): string {
  const rows = s.gateways.map((g) =>
    g.known
      ? [
          g.gatewayId,
          g.group,
          g.rulesetHash === "" ? "-" : g.rulesetHash,
          String(g.appliedSequence),
          `${g.source ?? "-"} ${g.seenAt ?? ""}`,
          g.lastError === null
            ? "-"
            : `${g.lastError.code}: ${g.lastError.message.split("\n")[0] ?? ""}`,
        ]
      : [g.gatewayId, g.group, "unknown", "-", `oldest kept ${g.firstKeptAt ?? "?"}`, "-"],
  );
  const lines = [
    `gateways at ${s.at} (${count(s.messages)} status message(s) read)`,
    "",
    table(["GATEWAY", "GROUP", "RULESET HASH", "APPLIED SEQ", "FROM", "LAST ERROR"], rows),
  ];
  if (s.gateways.some((g) => !g.known))
    lines.push(
      "",
      "unknown: no kept status message at or before that time (LBAAS_STATUS keeps bounded history)",
    );
  for (const u of s.undecodable) lines.push(`! seq ${u.seq} ${u.subject}: ${u.message}`);
  return `${lines.join("\n")}\n`;
}
