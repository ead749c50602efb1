// The schemas of the OpenAPI document (components.schemas), and the small building
// blocks both parts use.

/** A reference to a schema of this document. */
export const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

export const label = { type: "string", pattern: "^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$" };
export const address = {
  type: "string",
  description: "IPv4 or IPv6 address (canonical form in answers)",
};
export const cidr = {
  type: "string",
  description: "CIDR with zero host bits, e.g. 198.51.100.0/24",
};
export const port = { type: "integer", minimum: 1, maximum: 65535 };
export const protocol = { type: "string", enum: ["tcp", "udp", "sctp"] };

export const OPENAPI_SCHEMAS = {
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
} as const;
