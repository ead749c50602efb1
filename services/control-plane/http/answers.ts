// Mapping writer outcomes to HTTP answers, with stable error codes:
// 422 invalid_input (with every problem), 409 version_conflict (with currentVersion),
// 404 not_found, 503 unavailable (retry), 503 interrupted (some events stored).
import type { HttpResponse } from "../../../libs/http/router.ts";
import { HttpError } from "../../../libs/http/router.ts";
import type { Acknowledged } from "../view.ts";
import type { Interrupted, Refusal } from "../write-outcome.ts";
import { etag } from "./request-meta.ts";

/** One appended event as the API reports it. */
export interface EventRef {
  readonly kind: string;
  readonly id: string;
  readonly group: string;
  readonly type: string;
  readonly version: number;
  readonly seq: number;
}

/** The API form of acknowledged events. */
export function eventRefs(published: readonly Acknowledged[]): EventRef[] {
  return published.map(({ event, seq }) => ({
    kind: event.meta.kind,
    id: event.meta.id,
    group: event.meta.group,
    type: event.body.type,
    version: event.meta.version,
    seq,
  }));
}

/**
 * Throws the HttpError of a refusal (`what` names the input in messages, e.g.
 * "service"); an interrupted write answers 503 with what was and was not published.
 */
export function refuse(outcome: Refusal | Interrupted, what: string): never {
  switch (outcome.outcome) {
    case "invalid": {
      const n = outcome.problems.length;
      throw new HttpError(
        422,
        "invalid_input",
        `invalid ${what} (${n} problem${n === 1 ? "" : "s"})`,
        outcome.problems,
      );
    }
    case "version_conflict":
      throw new HttpError(
        409,
        "version_conflict",
        `${outcome.kind} ${JSON.stringify(outcome.id)} is at version ${outcome.currentVersion}, not the expected one`,
        [],
        { kind: outcome.kind, id: outcome.id, currentVersion: outcome.currentVersion },
      );
    case "not_found":
      throw new HttpError(
        404,
        "not_found",
        `${outcome.kind} ${JSON.stringify(outcome.id)} does not exist`,
      );
    case "unavailable":
      throw new HttpError(503, "unavailable", outcome.message);
    case "interrupted":
      throw new HttpError(
        503,
        "interrupted",
        `${outcome.message}; retrying the same request converges`,
        [],
        {
          published: eventRefs(outcome.published),
          notPublished: outcome.notPublished.map((e) => ({
            kind: e.meta.kind,
            id: e.meta.id,
            group: e.meta.group,
            type: e.body.type,
            version: e.meta.version,
          })),
        },
      );
  }
}

/** A 200/201 JSON answer with the aggregate's ETag (and fields for the request's log line). */
export function withVersion(
  status: number,
  version: number,
  body: unknown,
  log?: Readonly<Record<string, unknown>>,
): HttpResponse {
  return { status, body, headers: etag(version), ...(log !== undefined ? { log } : {}) };
}
