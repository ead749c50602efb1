// Human output of `lbaas state --at`, `lbaas diff` and the header of `render --at`.
import { formatChange } from "../../libs/audit/field-diff.ts";
import type { EndpointsSpec, PolicySpec, ServiceSpec } from "../../libs/domain/model.ts";
import type {
  AggregateAt,
  DiffResult,
  PointInfo,
  RenderResult,
  StateResult,
} from "../audit/results.ts";
import { count } from "./audit-table.ts";
import { table } from "./table.ts";

/** `seq 1234 (stored 2026-…Z), 1,234 events read`: where an answer stands. */
export function describePoint(p: PointInfo): string {
  const last =
    p.lastSeq === 0
      ? "before the first event"
      : `last event seq ${p.lastSeq} stored ${p.lastTime ?? "?"}`;
  return `${p.requested}: ${last}; ${count(p.events)} event(s) read`;
}

function few(items: readonly string[], max = 4): string {
  if (items.length === 0) return "-";
  return items.length <= max
    ? items.join(", ")
    : `${items.slice(0, max).join(", ")} … (+${items.length - max})`;
}

function serviceRow(a: AggregateAt): string[] {
  const s = a.spec as ServiceSpec;
  const ports = s.ports.map((p) => `${p.protocol}/${p.port}→${p.targetPort}`);
  return [
    a.id,
    a.group,
    String(a.version),
    String(a.seq),
    few(s.vips, 2),
    few(ports, 3),
    s.scheduler,
  ];
}

function endpointsRow(a: AggregateAt): string[] {
  const e = a.spec as EndpointsSpec;
  const list = e.endpoints.map((x) => {
    const extra = [
      x.state === "ready" ? "" : x.state,
      x.weight === 1 ? "" : `w=${x.weight}`,
    ].filter(Boolean);
    const addr =
      x.port === null
        ? x.address
        : x.address.includes(":")
          ? `[${x.address}]:${x.port}`
          : `${x.address}:${x.port}`;
    return extra.length > 0 ? `${addr} (${extra.join(", ")})` : addr;
  });
  return [a.id, a.group, String(a.version), String(a.seq), String(e.endpoints.length), few(list)];
}

function policyRow(a: AggregateAt): string[] {
  const p = a.spec as PolicySpec;
  return [
    a.id,
    a.group,
    String(a.version),
    String(a.seq),
    few(p.targets, 3),
    String(p.ingress.length),
  ];
}

/** The state as three tables, then what the fold found odd and what was skipped. */
export function formatState(s: StateResult): string {
  const lines = [
    `state at ${describePoint(s.at)}; group ${s.group ?? "(all)"}`,
    `${count(s.services.length)} service(s), ${count(s.endpoints.length)} endpoints list(s), ${count(s.policies.length)} polic(ies) live; ${count(s.deleted)} deleted`,
    "",
    table(
      ["SERVICE", "GROUP", "VERSION", "SEQ", "VIPS", "PORTS", "SCHEDULER"],
      s.services.map(serviceRow),
    ),
    "",
    table(
      ["ENDPOINTS", "GROUP", "VERSION", "SEQ", "COUNT", "ENDPOINTS"],
      s.endpoints.map(endpointsRow),
    ),
    "",
    table(["POLICY", "GROUP", "VERSION", "SEQ", "TARGETS", "RULES"], s.policies.map(policyRow)),
  ];
  if (s.anomalies.length > 0)
    lines.push("", "anomalies:", ...s.anomalies.map((a) => `  ${a.message}`));
  if (s.skipped.length > 0)
    lines.push(
      "",
      "skipped (a gateway would have skipped these too):",
      ...s.skipped.map((k) => `  seq ${k.seq} ${k.subject}: ${k.code}: ${k.message}`),
    );
  if (s.skippedDropped > 0) lines.push(`  … and ${count(s.skippedDropped)} more`);
  return `${lines.join("\n")}\n`;
}

/** The `#` comment lines that head `render --at` output (nft -f ignores them). */
export function renderHeader(r: RenderResult): string {
  const lines = [
    `# lbaas render --at ${describePoint(r.at)}`,
    `# group ${r.group ?? "(all)"}: ${count(r.services)} service(s), ${count(r.policies)} polic(ies); ruleset ${r.hash}`,
    ...r.skipped.map((k) => `# skipped seq ${k.seq} ${k.subject}: ${k.code}`),
  ];
  return `${lines.join("\n")}\n`;
}

const MARK = { created: "+", updated: "~", deleted: "-" } as const;

/** Objects that changed, with their field changes, then the ruleset's unified diff. */
export function formatDiff(d: DiffResult): string {
  const by = (c: string): number => d.objects.filter((o) => o.change === c).length;
  const lines = [
    `from ${describePoint(d.from)}`,
    `to   ${describePoint(d.to)}`,
    `group ${d.group ?? "(all)"}: ${by("created")} created, ${by("updated")} updated, ${by("deleted")} deleted`,
    "",
  ];
  for (const o of d.objects) {
    const versions =
      o.change === "created" ? `v${o.toVersion}` : `v${o.fromVersion} → v${o.toVersion}`;
    lines.push(
      `${MARK[o.change]} ${o.kind} ${JSON.stringify(o.id)} (${versions}, group ${o.group})`,
    );
    for (const c of o.changes) lines.push(`    ${formatChange(c)}`);
    if (o.change === "updated" && o.changes.length === 0)
      lines.push("    (same spec, new version)");
  }
  const r = d.ruleset;
  lines.push(
    "",
    r.fromHash === r.toHash
      ? `ruleset unchanged (${r.toHash})`
      : `ruleset ${r.fromHash} → ${r.toHash}: +${count(r.added)} -${count(r.removed)} line(s)`,
  );
  return `${lines.join("\n")}\n${r.unified === "" ? "" : `\n${r.unified}`}`;
}
