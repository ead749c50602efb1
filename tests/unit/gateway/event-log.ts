// Builds the events of one gateway group as a writer would (versions per
// aggregate, one subject per aggregate), for unit, integration and e2e tests of
// the gateway. Documentation addresses only.
import assert from "node:assert/strict";
import type { AggregateKind, EndpointsSpec, ServiceSpec } from "../../../libs/domain/model.ts";
import { validateEndpoints, validateService } from "../../../libs/domain/validate.ts";
import { encodeEvent } from "../../../libs/events/codec.ts";
import type { EventBody, LbEvent } from "../../../libs/events/event.ts";
import { messageIdOf, subjectOf } from "../../../libs/events/event.ts";
import type { RawMessage } from "../../../services/gateway/incoming.ts";

/** One event ready to append: subject, bytes, message id and version. */
export interface Outgoing {
  readonly event: LbEvent;
  readonly subject: string;
  readonly data: Uint8Array;
  readonly msgId: string;
  readonly version: number;
}

/** A service in `group` on `vip`:`port`/tcp → targetPort 8080; `input` overrides. */
export function serviceOf(
  id: string,
  group: string,
  vip: string,
  port = 80,
  input: Record<string, unknown> = {},
): ServiceSpec {
  const r = validateService({
    id,
    group,
    vips: [vip],
    ports: [{ protocol: "tcp", port, targetPort: 8080 }],
    ...input,
  });
  assert.ok(r.ok, JSON.stringify(r));
  return r.value;
}

/** Endpoints of service `id`: addresses (ready) or full endpoint inputs. */
export function endpointsOf(
  id: string,
  group: string,
  endpoints: ReadonlyArray<string | Record<string, unknown>>,
): EndpointsSpec {
  const r = validateEndpoints({
    serviceId: id,
    group,
    endpoints: endpoints.map((e) => (typeof e === "string" ? { address: e } : e)),
  });
  assert.ok(r.ok, JSON.stringify(r));
  return r.value;
}

/** The events of one group, with per-aggregate versions, in the order they are made. */
export class EventLog {
  readonly group: string;
  private readonly versions = new Map<string, number>();
  private counter = 0;

  constructor(group: string) {
    this.group = group;
  }

  upsertService(spec: ServiceSpec): Outgoing {
    return this.make("service", spec.id, { type: "ServiceUpserted", spec });
  }

  deleteService(id: string): Outgoing {
    return this.make("service", id, { type: "ServiceDeleted" });
  }

  replaceEndpoints(spec: EndpointsSpec): Outgoing {
    return this.make("endpoints", spec.serviceId, { type: "EndpointsReplaced", spec });
  }

  deleteEndpoints(id: string): Outgoing {
    return this.make("endpoints", id, { type: "EndpointsDeleted" });
  }

  /** The current version of an aggregate (0 before its first event). */
  versionOf(kind: AggregateKind, id: string): number {
    return this.versions.get(`${kind}/${id}`) ?? 0;
  }

  private make(kind: AggregateKind, id: string, body: EventBody): Outgoing {
    const key = `${kind}/${id}`;
    const version = (this.versions.get(key) ?? 0) + 1;
    this.versions.set(key, version);
    this.counter += 1;
    const event: LbEvent = {
      meta: {
        eventId: `evt-${this.group}-${this.counter}`,
        kind,
        id,
        group: this.group,
        version,
        schemaVersion: 2,
        occurredAt: 1_767_225_600_000 + this.counter,
        actor: "test",
        reason: "gateway test",
        correlationId: `req-${this.counter}`,
      },
      body,
    };
    return {
      event,
      subject: subjectOf(kind, this.group, id),
      data: encodeEvent(event),
      msgId: messageIdOf(kind, this.group, id, version),
      version,
    };
  }
}

/** Gives outgoing events consecutive stream sequences, as a stream would. */
export class MemoryStream {
  readonly messages: RawMessage[] = [];

  append(o: Outgoing | RawMessage): RawMessage {
    const m = { seq: this.messages.length + 1, subject: o.subject, data: o.data };
    this.messages.push(m);
    return m;
  }

  /** The last message of every subject, in stream order (DeliverPolicy.LastPerSubject). */
  lastPerSubject(filterPrefix: string): RawMessage[] {
    const last = new Map<string, RawMessage>();
    for (const m of this.messages) if (m.subject.startsWith(filterPrefix)) last.set(m.subject, m);
    return [...last.values()].sort((a, b) => a.seq - b.seq);
  }
}
