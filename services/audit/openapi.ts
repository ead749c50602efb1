// The OpenAPI 3.1 description of the audit routes (services/audit/http.ts), to be
// merged into the control plane's document: `paths` into its `paths`, `schemas` into
// its `components.schemas`. It refers to the document's `Error` schema ({error: {code,
// message, problems?}}, what libs/http/router.ts answers with) and `Id` parameter.

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const ok = (description: string, schema: unknown) => ({
  description,
  content: { "application/json": { schema } },
});
const error = (description: string) => ({
  description,
  content: { "application/json": { schema: ref("Error") } },
});

const point = (name: string, what: string) => ({
  name,
  in: "query",
  required: true,
  description: `${what}: a stream sequence (\`1234\` or \`seq:1234\`) or an RFC 3339 time (\`2026-11-26T15:00:00Z\`), compared with the time the server stored each event`,
  schema: { type: "string" },
});
const group = {
  name: "group",
  in: "query",
  required: false,
  description: "only this gateway group (default: every group)",
  schema: { type: "string", pattern: "^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$" },
};
const setting = (name: string, description: string) => ({
  name,
  in: "query",
  required: false,
  description: `gateway setting ${name} (${description}); default as a gateway's`,
  schema: { type: "string" },
});
const settings = [
  setting("nat-table-name", "name"),
  setting("nat-prerouting-chain", "name"),
  setting("nat-postrouting-chain", "name"),
  setting("filter-table-name", 'name, "" disables the filter table'),
  setting("filter-forward-chain", "name"),
  setting("enable-snat", "true or false"),
  setting("fwmark-bits", "decimal or 0x-hex"),
  setting("fwmark-mask", "decimal or 0x-hex"),
];

const errors = {
  "400": error("invalid_argument: a bad point, group, kind, id or gateway setting, named"),
  "503": error(
    "busy (another audit replay runs; see Retry-After) or log_unavailable (JetStream unreadable)",
  ),
};

const pointInfo = {
  type: "object",
  required: ["requested", "lastSeq", "lastTime", "events"],
  properties: {
    requested: { type: "string" },
    lastSeq: { type: "integer", description: "last event folded; 0 before the first" },
    lastTime: { type: ["string", "null"], format: "date-time" },
    events: { type: "integer" },
  },
};
const aggregateAt = {
  type: "object",
  required: ["kind", "id", "group", "version", "seq", "spec"],
  properties: {
    kind: { type: "string", enum: ["service", "endpoints", "policy"] },
    id: { type: "string" },
    group: { type: "string" },
    version: { type: "integer" },
    seq: { type: "integer" },
    spec: { type: "object", description: "ServiceSpec, EndpointsSpec or PolicySpec" },
  },
};
const fieldChange = {
  type: "object",
  required: ["op", "path"],
  properties: {
    op: { type: "string", enum: ["changed", "added", "removed"] },
    path: { type: "string", examples: ["endpoints[1].state", "vips"] },
    before: {},
    after: {},
    value: {},
  },
};
const skipped = {
  type: "array",
  items: {
    type: "object",
    properties: {
      seq: { type: "integer" },
      subject: { type: "string" },
      code: { type: "string" },
      message: { type: "string" },
    },
  },
};

export const AUDIT_OPENAPI = {
  paths: {
    "/v1/audit/history/{kind}/{id}": {
      get: {
        summary: "Every event of one aggregate, with envelope, stream position and field changes",
        parameters: [
          {
            name: "kind",
            in: "path",
            required: true,
            schema: { type: "string", enum: ["service", "endpoints", "policy"] },
          },
          { $ref: "#/components/parameters/Id" },
        ],
        responses: {
          "200": ok("the history, oldest first", ref("AuditHistory")),
          "404": error("not_found: no event of that aggregate in the log"),
          ...errors,
        },
      },
    },
    "/v1/audit/state": {
      get: {
        summary: "The whole desired state at a point of the log, rebuilt by replay",
        parameters: [point("at", "the point"), group],
        responses: { "200": ok("the live aggregates at that point", ref("AuditState")), ...errors },
      },
    },
    "/v1/audit/render": {
      get: {
        summary: "The exact full-sync nft script a gateway had at a point",
        parameters: [point("at", "the point"), group, ...settings],
        responses: {
          "200": ok("the script and its ruleset hash", ref("AuditRender")),
          "422": error("render_failed: the state at that point does not render"),
          ...errors,
        },
      },
    },
    "/v1/audit/diff": {
      get: {
        summary: "What changed between two points: objects and ruleset lines",
        parameters: [
          point("from", "the first point"),
          point("to", "the second point"),
          group,
          ...settings,
        ],
        responses: { "200": ok("object and ruleset changes", ref("AuditDiff")), ...errors },
      },
    },
    "/v1/audit/verify": {
      get: {
        summary: "Integrity check of the whole event stream (versions, decoding, validation)",
        responses: {
          "200": ok("the report; ok false lists every finding", ref("AuditVerify")),
          ...errors,
        },
      },
    },
    "/v1/audit/status": {
      get: {
        summary: "Which ruleset hash each gateway had applied at a time (status stream)",
        parameters: [{ ...point("at", "the time"), description: "an RFC 3339 time" }],
        responses: { "200": ok("one entry per gateway", ref("AuditStatus")), ...errors },
      },
    },
  },
  schemas: {
    AuditHistory: {
      type: "object",
      required: ["kind", "id", "entries", "version", "live"],
      properties: {
        kind: { type: "string" },
        id: { type: "string" },
        version: { type: "integer" },
        live: { type: "boolean" },
        entries: {
          type: "array",
          items: {
            type: "object",
            properties: {
              seq: { type: "integer" },
              storedAt: { type: "string", format: "date-time" },
              subject: { type: "string" },
              change: { type: "string", enum: ["created", "updated", "deleted", "unreadable"] },
              version: { type: ["integer", "null"] },
              type: { type: ["string", "null"] },
              group: { type: ["string", "null"] },
              schemaVersion: { type: ["integer", "null"] },
              occurredAt: { type: ["string", "null"], format: "date-time" },
              eventId: { type: "string" },
              actor: { type: "string" },
              reason: { type: "string" },
              correlationId: { type: "string" },
              changes: { type: "array", items: fieldChange },
              spec: {},
              problems: { type: "array", items: { type: "string" } },
            },
          },
        },
      },
    },
    AuditState: {
      type: "object",
      properties: {
        at: pointInfo,
        group: { type: ["string", "null"] },
        services: { type: "array", items: aggregateAt },
        endpoints: { type: "array", items: aggregateAt },
        policies: { type: "array", items: aggregateAt },
        deleted: { type: "integer" },
        anomalies: { type: "array", items: { type: "object" } },
        skipped,
        skippedDropped: { type: "integer" },
      },
    },
    AuditRender: {
      type: "object",
      properties: {
        at: pointInfo,
        group: { type: ["string", "null"] },
        hash: { type: "string" },
        script: { type: "string" },
        services: { type: "integer" },
        policies: { type: "integer" },
        skipped,
      },
    },
    AuditDiff: {
      type: "object",
      properties: {
        from: pointInfo,
        to: pointInfo,
        group: { type: ["string", "null"] },
        objects: {
          type: "array",
          items: {
            type: "object",
            properties: {
              kind: { type: "string" },
              id: { type: "string" },
              group: { type: "string" },
              change: { type: "string", enum: ["created", "updated", "deleted"] },
              fromVersion: { type: "integer" },
              toVersion: { type: "integer" },
              changes: { type: "array", items: fieldChange },
            },
          },
        },
        ruleset: {
          type: "object",
          properties: {
            fromHash: { type: "string" },
            toHash: { type: "string" },
            added: { type: "integer" },
            removed: { type: "integer" },
            unified: { type: "string" },
          },
        },
      },
    },
    AuditVerify: {
      type: "object",
      properties: {
        ok: { type: "boolean" },
        stream: { type: "string" },
        headSeq: { type: "integer" },
        events: { type: "integer" },
        firstSeq: { type: "integer" },
        lastSeq: { type: "integer" },
        schemaVersions: { type: "object", additionalProperties: { type: "integer" } },
        aggregates: { type: "integer" },
        live: { type: "integer" },
        findings: {
          type: "array",
          items: {
            type: "object",
            properties: {
              kind: { type: "string" },
              seq: { type: "integer" },
              subject: { type: "string" },
              message: { type: "string" },
              problems: { type: "array", items: { type: "object" } },
            },
          },
        },
        findingsDropped: { type: "integer" },
        counts: { type: "object", additionalProperties: { type: "integer" } },
      },
    },
    AuditStatus: {
      type: "object",
      properties: {
        at: { type: "string", format: "date-time" },
        messages: { type: "integer" },
        gateways: {
          type: "array",
          items: {
            type: "object",
            properties: {
              gatewayId: { type: "string" },
              group: { type: "string" },
              known: { type: "boolean" },
              rulesetHash: { type: "string" },
              appliedSequence: { type: "integer" },
              source: { type: ["string", "null"], enum: ["report", "heartbeat", null] },
              statusSeq: { type: "integer" },
              seenAt: { type: ["string", "null"], format: "date-time" },
              lastError: { type: ["object", "null"] },
              firstKeptAt: { type: ["string", "null"], format: "date-time" },
            },
          },
        },
        undecodable: { type: "array", items: { type: "object" } },
      },
    },
  },
} as const;
