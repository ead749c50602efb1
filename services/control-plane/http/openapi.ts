// The OpenAPI 3.1 document of the control plane's HTTP API, written by hand and
// served at /v1/openapi.json. A unit test checks that every route of routes.ts is
// described here and nothing else is; keep the schemas true to the handlers.

import { AUDIT_OPENAPI } from "../../audit/openapi.ts";
import { label, OPENAPI_SCHEMAS, ref } from "./openapi-schemas.ts";

const json = (schema: unknown) => ({ "application/json": { schema } });
const answer = (description: string, schema?: unknown, etag = false) => ({
  description,
  ...(schema !== undefined ? { content: json(schema) } : {}),
  ...(etag ? { headers: { ETag: { $ref: "#/components/headers/ETag" } } } : {}),
});
const error = (description: string) => answer(description, ref("Error"));

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
    ...AUDIT_OPENAPI.paths,
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
    schemas: { ...OPENAPI_SCHEMAS, ...AUDIT_OPENAPI.schemas },
  },
} as const;
