// The OpenAPI 3.1 document of the control plane's HTTP API, written by hand and
// served at /v1/openapi.json. A unit test checks that every route of routes.ts is
// described here and nothing else is; keep the schemas true to the handlers.

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: unknown) => ({ "application/json": { schema } });
const answer = (description: string, schema?: unknown, etag = false) => ({
  description,
  ...(schema !== undefined ? { content: json(schema) } : {}),
  ...(etag ? { headers: { ETag: { $ref: "#/components/headers/ETag" } } } : {}),
});
const error = (description: string) => answer(description, ref("Error"));

const label = { type: "string", pattern: "^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$" };
const address = { type: "string", description: "IPv4 or IPv6 address (canonical form in answers)" };
const cidr = { type: "string", description: "CIDR with zero host bits, e.g. 198.51.100.0/24" };
const port = { type: "integer", minimum: 1, maximum: 65535 };
const protocol = { type: "string", enum: ["tcp", "udp", "sctp"] };

const writeParams = [
  { $ref: "#/components/parameters/IfMatch" },
  { $ref: "#/components/parameters/ExpectedVersion" },
  { $ref: "#/components/parameters/Actor" },
  { $ref: "#/components/parameters/Reason" },
  { $ref: "#/components/parameters/CorrelationId" },
];
const idParam = { $ref: "#/components/parameters/Id" };
const groupParam = {
  name: "group",
  in: "query",
  required: false,
  schema: label,
  description: "only this gateway group",
};

const writeErrors = {
  "400": error("malformed json, or a bad header or query parameter"),
  "409": error(
    "version_conflict: the aggregate is not at the expected version (error.currentVersion)",
  ),
  "413": error("body_too_large"),
  "415": error("unsupported_media_type: the body is not application/json"),
  "422": error(
    "invalid_input: every problem with its field path (error.problems); nothing published",
  ),
  "503": error(
    "unavailable (view not caught up, bus unreachable) or interrupted (some events stored)",
  ),
};
const deleteErrors = {
  "400": writeErrors["400"],
  "404": error("not_found"),
  "409": writeErrors["409"],
  "503": writeErrors["503"],
};

function written(what: string, schema: unknown) {
  return {
    "200": answer(`${what} replaced, or unchanged (changed: false, no event)`, schema, true),
    "201": answer(`${what} created`, schema, true),
    ...writeErrors,
  };
}

const deleted = answer("tombstones appended", ref("Deleted"), true);

export const OPENAPI = {
  openapi: "3.1.0",
  info: {
    title: "lbaas control plane",
    version: "1.0.0",
    description:
      "Validates, versions and publishes load-balancer services, their endpoints and network policies as events to NATS JetStream. " +
      "Every aggregate has a version (ETag); writes may state the version they expect (If-Match) and get 409 when it differs. " +
      "Invalid input is refused with 422 and every problem; nothing is published on any error.",
  },
  paths: {
    "/v1/services": {
      get: {
        operationId: "listServices",
        parameters: [groupParam],
        responses: {
          "200": answer("live services sorted by id", {
            type: "object",
            properties: { services: { type: "array", items: ref("VersionedService") } },
          }),
          "400": writeErrors["400"],
        },
      },
    },
    "/v1/services/{id}": {
      get: {
        operationId: "getService",
        parameters: [idParam],
        responses: {
          "200": answer("the service", ref("VersionedService"), true),
          "404": error("not_found"),
        },
      },
      put: {
        operationId: "putService",
        description:
          "Create or replace a service. Inline `endpoints` replace its endpoints too. `vips` entries `auto`, `auto4`, `auto6` (or `vip: auto`) allocate from the group's VIP pool; an auto VIP is sticky.",
        parameters: [idParam, ...writeParams],
        requestBody: { required: true, content: json(ref("ServiceInput")) },
        responses: written("service", ref("ServiceWritten")),
      },
      delete: {
        operationId: "deleteService",
        description: "Tombstones the service and its endpoints.",
        parameters: [idParam, ...writeParams],
        responses: { "200": deleted, ...deleteErrors },
      },
    },
    "/v1/services/{id}/endpoints": {
      get: {
        operationId: "getEndpoints",
        parameters: [idParam],
        responses: {
          "200": answer(
            "the endpoints (version 0 and an empty list when never written)",
            ref("VersionedEndpoints"),
            true,
          ),
          "404": error("not_found: no such service"),
        },
      },
      put: {
        operationId: "putEndpoints",
        parameters: [idParam, ...writeParams],
        requestBody: { required: true, content: json(ref("EndpointsInput")) },
        responses: {
          "200": answer("endpoints replaced or unchanged", ref("EndpointsWritten"), true),
          "404": error("not_found: no such service"),
          ...writeErrors,
        },
      },
      delete: {
        operationId: "deleteEndpoints",
        parameters: [idParam, ...writeParams],
        responses: { "200": deleted, ...deleteErrors },
      },
    },
    "/v1/policies": {
      get: {
        operationId: "listPolicies",
        parameters: [groupParam],
        responses: {
          "200": answer("live policies sorted by id", {
            type: "object",
            properties: { policies: { type: "array", items: ref("VersionedPolicy") } },
          }),
          "400": writeErrors["400"],
        },
      },
    },
    "/v1/policies/{id}": {
      get: {
        operationId: "getPolicy",
        parameters: [idParam],
        responses: {
          "200": answer("the policy", ref("VersionedPolicy"), true),
          "404": error("not_found"),
        },
      },
      put: {
        operationId: "putPolicy",
        parameters: [idParam, ...writeParams],
        requestBody: { required: true, content: json(ref("Policy")) },
        responses: written("policy", ref("PolicyWritten")),
      },
      delete: {
        operationId: "deletePolicy",
        parameters: [idParam, ...writeParams],
        responses: { "200": deleted, ...deleteErrors },
      },
    },
    "/v1/inventory": {
      get: {
        operationId: "getInventory",
        parameters: [groupParam],
        responses: {
          "200": answer(
            "the current desired state in the inventory document shape",
            ref("Inventory"),
          ),
          "400": writeErrors["400"],
        },
      },
      put: {
        operationId: "syncInventory",
        description:
          "Declarative sync: publishes only the events needed to reach the document (creates, updates, deletes; nothing for unchanged objects). " +
          "With prune (default true) live objects of the groups named in the document (plus `group` parameters) that the document does not name are deleted; other groups are never touched.",
        parameters: [
          {
            name: "dryRun",
            in: "query",
            schema: { type: "boolean", default: false },
            description: "return the plan, publish nothing",
          },
          {
            name: "prune",
            in: "query",
            schema: { type: "boolean", default: true },
            description: "delete objects of the scope's groups missing from the document",
          },
          {
            name: "group",
            in: "query",
            schema: { type: "array", items: label },
            style: "form",
            explode: true,
            description: "extra groups in the prune scope",
          },
          ...writeParams.slice(2),
        ],
        requestBody: { required: true, content: json(ref("Inventory")) },
        responses: {
          "200": answer("summary (or the plan for a dry run)", ref("SyncSummary")),
          "400": writeErrors["400"],
          "409": writeErrors["409"],
          "413": writeErrors["413"],
          "415": writeErrors["415"],
          "422": writeErrors["422"],
          "503": writeErrors["503"],
        },
      },
    },
    "/v1/status": {
      get: {
        operationId: "getStatus",
        parameters: [
          {
            name: "services",
            in: "query",
            schema: { type: "boolean", default: true },
            description: "include the per-service rollout",
          },
        ],
        responses: {
          "200": answer("gateways, lag and rollout", ref("Status")),
          "400": writeErrors["400"],
        },
      },
    },
    "/v1/status/services/{id}": {
      get: {
        operationId: "getServiceStatus",
        parameters: [idParam],
        responses: {
          "200": answer("which gateways run the service's current state", ref("ServiceStatus")),
          "404": error("not_found"),
        },
      },
    },
    "/v1/openapi.json": {
      get: {
        operationId: "getOpenApi",
        responses: { "200": answer("this document", { type: "object" }) },
      },
    },
    "/healthz": {
      get: {
        operationId: "healthz",
        responses: { "200": answer("the process is alive", { type: "object" }) },
      },
    },
    "/readyz": {
      get: {
        operationId: "readyz",
        responses: {
          "200": answer("NATS connected, streams present, view caught up", ref("Ready")),
          "503": answer("not ready", ref("Ready")),
        },
      },
    },
    "/metrics": {
      get: {
        operationId: "metrics",
        responses: {
          "200": {
            description: "Prometheus text format",
            content: { "text/plain": { schema: { type: "string" } } },
          },
        },
      },
    },
  },
  components: {
    headers: {
      ETag: { description: 'the aggregate version, e.g. "3"', schema: { type: "string" } },
    },
    parameters: {
      Id: { name: "id", in: "path", required: true, schema: label },
      IfMatch: {
        name: "If-Match",
        in: "header",
        required: false,
        schema: { type: "string" },
        description: 'expected version, e.g. "3" ("0" = never written; * = any)',
      },
      ExpectedVersion: {
        name: "expectedVersion",
        in: "query",
        required: false,
        schema: { type: "integer", minimum: 0 },
        description: "same as If-Match",
      },
      Actor: {
        name: "X-Lbaas-Actor",
        in: "header",
        required: false,
        schema: { type: "string", maxLength: 256 },
        description: "who makes the change (header name configurable; default actor 'anonymous')",
      },
      Reason: {
        name: "X-Lbaas-Reason",
        in: "header",
        required: false,
        schema: { type: "string", maxLength: 1024 },
      },
      CorrelationId: {
        name: "X-Correlation-Id",
        in: "header",
        required: false,
        schema: { type: "string", maxLength: 128 },
        description: "defaults to the request id",
      },
    },
    schemas: {
      Problem: {
        type: "object",
        required: ["path", "message"],
        properties: {
          path: { type: "string", examples: ["ports[0].port"] },
          message: { type: "string" },
        },
      },
      Error: {
        type: "object",
        required: ["error"],
        properties: {
          error: {
            type: "object",
            required: ["code", "message"],
            properties: {
              code: {
                type: "string",
                examples: [
                  "invalid_input",
                  "version_conflict",
                  "not_found",
                  "invalid_json",
                  "body_too_large",
                  "unsupported_media_type",
                  "unavailable",
                  "interrupted",
                ],
              },
              message: { type: "string" },
              problems: { type: "array", items: ref("Problem") },
              currentVersion: { type: "integer" },
              kind: { type: "string" },
              id: { type: "string" },
              published: { type: "array", items: ref("EventRef") },
              notPublished: { type: "array", items: { type: "object" } },
            },
          },
        },
      },
      ServicePort: {
        type: "object",
        required: ["port"],
        additionalProperties: false,
        properties: {
          protocol: { ...protocol, default: "tcp" },
          port,
          targetPort: { ...port, description: "default: port" },
        },
      },
      ServiceInput: {
        type: "object",
        required: ["ports"],
        additionalProperties: false,
        properties: {
          id: { ...label, description: "default: the id in the url" },
          group: { ...label, default: "default" },
          vips: {
            type: "array",
            minItems: 1,
            maxItems: 16,
            items: { anyOf: [address, { enum: ["auto", "auto4", "auto6"] }] },
          },
          vip: {
            description: "shorthand for vips: [vip]",
            anyOf: [address, { enum: ["auto", "auto4", "auto6"] }],
          },
          ports: { type: "array", minItems: 1, maxItems: 64, items: ref("ServicePort") },
          scheduler: {
            type: "string",
            enum: ["round-robin", "random", "source-hash"],
            default: "round-robin",
          },
          sourceRanges: { type: "array", items: cidr, maxItems: 256 },
          sessionAffinity: {
            anyOf: [
              { type: "null" },
              { enum: ["none", "client-ip"] },
              {
                type: "object",
                properties: { timeoutSeconds: { type: "integer", minimum: 1, maximum: 86400 } },
              },
            ],
          },
          snat: { type: ["boolean", "null"] },
          endpoints: {
            type: "array",
            items: ref("Endpoint"),
            description: "inline: replaces the service's endpoints too",
          },
        },
      },
      Service: {
        type: "object",
        required: [
          "id",
          "group",
          "vips",
          "ports",
          "scheduler",
          "sourceRanges",
          "sessionAffinity",
          "snat",
        ],
        properties: {
          id: label,
          group: label,
          vips: { type: "array", items: address },
          ports: {
            type: "array",
            items: {
              type: "object",
              required: ["protocol", "port", "targetPort"],
              properties: { protocol, port, targetPort: port },
            },
          },
          scheduler: { type: "string" },
          sourceRanges: { type: "array", items: cidr },
          sessionAffinity: {
            anyOf: [
              { type: "null" },
              { type: "object", properties: { timeoutSeconds: { type: "integer" } } },
            ],
          },
          snat: { type: ["boolean", "null"] },
        },
      },
      Endpoint: {
        type: "object",
        required: ["address"],
        additionalProperties: false,
        properties: {
          address,
          port: { anyOf: [port, { type: "null" }] },
          weight: { type: "integer", minimum: 1, maximum: 100, default: 1 },
          state: { type: "string", enum: ["ready", "draining"], default: "ready" },
        },
      },
      EndpointsInput: {
        type: "object",
        required: ["endpoints"],
        additionalProperties: false,
        properties: {
          serviceId: label,
          group: label,
          endpoints: { type: "array", items: ref("Endpoint") },
        },
      },
      Endpoints: {
        type: "object",
        required: ["serviceId", "group", "endpoints"],
        properties: {
          serviceId: label,
          group: label,
          endpoints: { type: "array", items: ref("Endpoint") },
        },
      },
      Policy: {
        type: "object",
        required: ["targets", "ingress"],
        additionalProperties: false,
        properties: {
          id: label,
          group: { ...label, default: "default" },
          targets: { type: "array", minItems: 1, items: address },
          ingress: {
            type: "array",
            items: {
              type: "object",
              properties: {
                from: {
                  type: "array",
                  items: {
                    type: "object",
                    required: ["cidr"],
                    properties: { cidr, except: { type: "array", items: cidr } },
                  },
                },
                ports: {
                  type: "array",
                  items: { type: "object", properties: { protocol, port, endPort: port } },
                },
              },
            },
          },
        },
      },
      EventRef: {
        type: "object",
        required: ["kind", "id", "group", "type", "version", "seq"],
        properties: {
          kind: { enum: ["service", "endpoints", "policy"] },
          id: label,
          group: label,
          type: { type: "string" },
          version: { type: "integer" },
          seq: { type: "integer", description: "LBAAS_EVENTS stream sequence" },
          action: { enum: ["create", "update", "delete"] },
        },
      },
      Allocation: {
        type: "object",
        properties: {
          serviceId: label,
          path: { type: "string" },
          address,
          kept: { type: "boolean" },
        },
      },
      VersionedService: {
        type: "object",
        required: ["version", "service"],
        properties: { version: { type: "integer" }, service: ref("Service") },
      },
      VersionedEndpoints: {
        type: "object",
        required: ["version", "endpoints"],
        properties: { version: { type: "integer" }, endpoints: ref("Endpoints") },
      },
      VersionedPolicy: {
        type: "object",
        required: ["version", "policy"],
        properties: { version: { type: "integer" }, policy: ref("Policy") },
      },
      ServiceWritten: {
        type: "object",
        properties: {
          version: { type: "integer" },
          service: ref("Service"),
          changed: { type: "boolean" },
          events: { type: "array", items: ref("EventRef") },
          allocations: { type: "array", items: ref("Allocation") },
          endpoints: { anyOf: [ref("VersionedEndpoints"), { type: "null" }] },
        },
      },
      EndpointsWritten: {
        type: "object",
        properties: {
          version: { type: "integer" },
          endpoints: ref("Endpoints"),
          changed: { type: "boolean" },
          events: { type: "array", items: ref("EventRef") },
        },
      },
      PolicyWritten: {
        type: "object",
        properties: {
          version: { type: "integer" },
          policy: ref("Policy"),
          changed: { type: "boolean" },
          events: { type: "array", items: ref("EventRef") },
        },
      },
      Deleted: {
        type: "object",
        properties: {
          deleted: { const: true },
          version: { type: "integer" },
          events: { type: "array", items: ref("EventRef") },
        },
      },
      Inventory: {
        type: "object",
        additionalProperties: false,
        properties: {
          services: { type: "array", items: ref("ServiceInput") },
          policies: { type: "array", items: ref("Policy") },
        },
      },
      SyncSummary: {
        type: "object",
        properties: {
          dryRun: { type: "boolean" },
          prune: { type: "boolean" },
          scope: { type: "array", items: label },
          created: { type: "integer" },
          updated: { type: "integer" },
          deleted: { type: "integer" },
          unchanged: { type: "integer" },
          unchangedByKind: {
            type: "object",
            properties: {
              service: { type: "integer" },
              endpoints: { type: "integer" },
              policy: { type: "integer" },
            },
          },
          allocations: { type: "array", items: ref("Allocation") },
          events: { type: "array", items: ref("EventRef") },
          lastSeqByGroup: { type: "object", additionalProperties: { type: "integer" } },
          plan: {
            type: "array",
            items: {
              type: "object",
              properties: {
                action: { type: "string" },
                kind: { type: "string" },
                id: label,
                group: label,
                version: { type: "integer" },
              },
            },
          },
        },
      },
      GatewayStatus: {
        type: "object",
        properties: {
          gatewayId: label,
          group: label,
          live: { type: "boolean" },
          lastSeenAt: {
            type: "integer",
            description: "stream time (ms) of the last report or heartbeat",
          },
          lastHeartbeatAt: { type: ["integer", "null"] },
          appliedSeq: { type: "integer" },
          headSeq: { type: "integer" },
          lagEvents: { type: "integer" },
          lagSeq: { type: "integer" },
          rulesetHash: { type: "string" },
          lastError: {
            anyOf: [
              { type: "null" },
              {
                type: "object",
                properties: { code: { type: "string" }, message: { type: "string" } },
              },
            ],
          },
          lastReport: { type: ["object", "null"] },
          version: { type: ["string", "null"] },
          startedAt: { type: ["integer", "null"] },
        },
      },
      ServiceRollout: {
        type: "object",
        properties: {
          id: label,
          group: label,
          version: { type: "integer" },
          seq: { type: "integer" },
          current: { description: "count (in /v1/status) or ids (per service)" },
          behind: { type: "array", items: label },
          stale: { type: "array", items: label },
        },
      },
      Status: {
        type: "object",
        properties: {
          now: { type: "integer" },
          heartbeatIntervalMs: { type: "integer" },
          headSeq: { type: "integer" },
          groups: {
            type: "array",
            items: {
              type: "object",
              properties: {
                group: label,
                headSeq: { type: "integer" },
                gateways: { type: "integer" },
                live: { type: "integer" },
                upToDate: { type: "integer" },
              },
            },
          },
          gateways: { type: "array", items: ref("GatewayStatus") },
          services: { type: "array", items: ref("ServiceRollout") },
        },
      },
      ServiceStatus: {
        allOf: [
          ref("ServiceRollout"),
          {
            type: "object",
            properties: { gateways: { type: "array", items: ref("GatewayStatus") } },
          },
        ],
      },
      Ready: {
        type: "object",
        properties: {
          ready: { type: "boolean" },
          natsConnected: { type: "boolean" },
          streams: { type: "boolean" },
          caughtUp: { type: "boolean" },
          viewSeq: { type: "integer" },
        },
      },
    },
  },
} as const;
