// The rules an event must follow, shared by the encoder (refuse to write a bad event)
// and the decoder (refuse to hand a bad event to a fold).
import { isDnsLabel, quote } from "../domain/input.ts";
import { AGGREGATE_KINDS, type Problem } from "../domain/model.ts";
import { validateEndpoints } from "../domain/validate-endpoints.ts";
import { validatePolicy } from "../domain/validate-policy.ts";
import { validateService } from "../domain/validate-service.ts";
import { KIND_OF_TYPE, type EventBody, type EventMeta, type EventType } from "./event.ts";

const EVENT_ID = /^[\x21-\x7e]{1,128}$/;
const TEXT_LIMITS = { actor: 256, reason: 1024, correlationId: 128 } as const;

/**
 * Problems of an envelope (schemaVersion aside, which the codec handles): eventId
 * 1-128 printable ASCII characters; kind known; id and group DNS labels; version a
 * safe integer >= 1; occurredAt a safe integer >= 0 (ms); actor, reason and
 * correlationId strings of bounded length (empty allowed). Empty list when valid.
 */
export function checkMeta(meta: EventMeta): Problem[] {
  const problems: Problem[] = [];
  const add = (path: string, message: string): number =>
    problems.push({ path: `meta.${path}`, message });
  if (typeof meta.eventId !== "string" || !EVENT_ID.test(meta.eventId)) {
    add("eventId", `${quote(meta.eventId)} is not an event id (1-128 printable ascii characters)`);
  }
  if (!AGGREGATE_KINDS.includes(meta.kind)) {
    add("kind", `${quote(meta.kind)} is not an aggregate kind (${AGGREGATE_KINDS.join(", ")})`);
  }
  if (!isDnsLabel(meta.id)) add("id", `${quote(meta.id)} is not an aggregate id (a dns label)`);
  if (!isDnsLabel(meta.group)) add("group", `${quote(meta.group)} is not a group (a dns label)`);
  if (!Number.isSafeInteger(meta.version) || meta.version < 1) {
    add("version", `${quote(meta.version)} is not a version (an integer from 1)`);
  }
  if (!Number.isSafeInteger(meta.occurredAt) || meta.occurredAt < 0) {
    add("occurredAt", `${quote(meta.occurredAt)} is not a time (unix milliseconds)`);
  }
  for (const [key, max] of Object.entries(TEXT_LIMITS)) {
    const value: unknown = meta[key as keyof typeof TEXT_LIMITS];
    if (typeof value !== "string" || value.length > max) {
      add(key, `${quote(value)} is not a ${key} (a string of at most ${max} characters)`);
    }
  }
  return problems;
}

/**
 * Validates a body of type `type` whose spec (for upserts) is untrusted `spec`, and
 * checks it against the envelope: the body's kind is the envelope's kind, and the
 * spec's id and group are the envelope's. Returns the canonical body, or problems.
 */
export function checkBody(
  meta: EventMeta,
  type: EventType,
  spec: unknown,
): { readonly body: EventBody | null; readonly problems: Problem[] } {
  const problems: Problem[] = [];
  if (KIND_OF_TYPE[type] !== meta.kind) {
    problems.push({
      path: "body",
      message: `${quote(type)} does not belong to a ${quote(meta.kind)} aggregate`,
    });
    return { body: null, problems };
  }
  const path = "body.spec";
  const sameAggregate = (idPath: string, id: string, group: string): void => {
    if (id !== meta.id)
      problems.push({
        path: `${path}.${idPath}`,
        message: `${quote(id)} is not the aggregate id ${quote(meta.id)}`,
      });
    if (group !== meta.group)
      problems.push({
        path: `${path}.group`,
        message: `${quote(group)} is not the envelope's group ${quote(meta.group)}`,
      });
  };
  switch (type) {
    case "ServiceDeleted":
    case "EndpointsDeleted":
    case "PolicyDeleted":
      return { body: { type }, problems };
    case "ServiceUpserted": {
      const r = validateService(spec, path);
      if (!r.ok) return { body: null, problems: [...r.problems] };
      sameAggregate("id", r.value.id, r.value.group);
      return { body: problems.length ? null : { type, spec: r.value }, problems };
    }
    case "EndpointsReplaced": {
      const r = validateEndpoints(spec, { path });
      if (!r.ok) return { body: null, problems: [...r.problems] };
      sameAggregate("serviceId", r.value.serviceId, r.value.group);
      return { body: problems.length ? null : { type, spec: r.value }, problems };
    }
    case "PolicyUpserted": {
      const r = validatePolicy(spec, path);
      if (!r.ok) return { body: null, problems: [...r.problems] };
      sameAggregate("id", r.value.id, r.value.group);
      return { body: problems.length ? null : { type, spec: r.value }, problems };
    }
  }
}

/**
 * Problems of a body already validated (its spec the unchanged output of today's
 * validators) against its envelope: the body's kind is the envelope's kind, and the
 * spec's id and group are the envelope's. The spec itself is not checked again.
 * Empty list when it belongs.
 */
export function checkBodyBelongs(meta: EventMeta, body: EventBody): Problem[] {
  if (KIND_OF_TYPE[body.type] !== meta.kind)
    return [
      {
        path: "body",
        message: `${quote(body.type)} does not belong to a ${quote(meta.kind)} aggregate`,
      },
    ];
  if (!("spec" in body)) return [];
  const problems: Problem[] = [];
  const [idPath, id] =
    body.type === "EndpointsReplaced" ? ["serviceId", body.spec.serviceId] : ["id", body.spec.id];
  if (id !== meta.id)
    problems.push({
      path: `body.spec.${idPath}`,
      message: `${quote(id)} is not the aggregate id ${quote(meta.id)}`,
    });
  if (body.spec.group !== meta.group)
    problems.push({
      path: "body.spec.group",
      message: `${quote(body.spec.group)} is not the envelope's group ${quote(meta.group)}`,
    });
  return problems;
}
