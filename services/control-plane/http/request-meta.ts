// Reading what a write request says besides its body: who (actor header), why
// (X-Lbaas-Reason), which request (X-Correlation-Id, else the request id), the
// version it expects (If-Match or ?expectedVersion=), and boolean query flags.
import { HttpError, type HttpRequest } from "../../../libs/http/router.ts";
import type { Stamp } from "../write-outcome.ts";

export const REASON_HEADER = "x-lbaas-reason";
export const CORRELATION_HEADER = "x-correlation-id";

const LIMITS = { actor: 256, reason: 1024, correlationId: 128 } as const;
const PRINTABLE = /^[\x20-\x7e]*$/;

function header(req: HttpRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function checked(value: string, what: keyof typeof LIMITS, name: string): string {
  if (value.length > LIMITS[what] || !PRINTABLE.test(value))
    throw new HttpError(
      400,
      "invalid_header",
      `header ${name}: ${JSON.stringify(value.slice(0, 64))} is not printable ascii of at most ${LIMITS[what]} characters`,
    );
  return value;
}

/**
 * The actor, reason and correlation id of a write. Throws HttpError 400
 * (`invalid_header`) for a value that is too long or not printable ASCII.
 */
export function stampOf(req: HttpRequest, actorHeader: string, defaultActor: string): Stamp {
  const actor = header(req, actorHeader);
  const reason = header(req, REASON_HEADER);
  const correlationId = header(req, CORRELATION_HEADER);
  return {
    actor:
      actor === undefined || actor === "" ? defaultActor : checked(actor, "actor", actorHeader),
    reason: reason === undefined ? "" : checked(reason, "reason", REASON_HEADER),
    correlationId:
      correlationId === undefined || correlationId === ""
        ? req.requestId.slice(0, LIMITS.correlationId)
        : checked(correlationId, "correlationId", CORRELATION_HEADER),
  };
}

const VERSION = /^(?:0|[1-9][0-9]{0,15})$/;

/**
 * The version a write expects: `If-Match: "3"` (weak `W/"3"` and bare `3` accepted;
 * `*` means any), or `?expectedVersion=3`; undefined when neither is given. 0 means
 * "never written". Both given and different, or a malformed value → HttpError 400.
 */
export function expectedVersionOf(req: HttpRequest): number | undefined {
  const raw = header(req, "if-match");
  let fromHeader: number | undefined;
  if (raw !== undefined && raw.trim() !== "*") {
    const m = /^\s*(?:W\/)?"?([^"]*)"?\s*$/.exec(raw);
    const text = m?.[1] ?? "";
    if (!VERSION.test(text))
      throw new HttpError(
        400,
        "invalid_header",
        `header if-match: ${JSON.stringify(raw.slice(0, 64))} is not a version like "3"`,
      );
    fromHeader = Number(text);
  }
  const q = req.query.get("expectedVersion");
  let fromQuery: number | undefined;
  if (q !== null) {
    if (!VERSION.test(q))
      throw new HttpError(
        400,
        "invalid_query",
        `expectedVersion: ${JSON.stringify(q.slice(0, 64))} is not a version (0 or more)`,
      );
    fromQuery = Number(q);
  }
  if (fromHeader !== undefined && fromQuery !== undefined && fromHeader !== fromQuery)
    throw new HttpError(
      400,
      "invalid_query",
      `if-match "${fromHeader}" and expectedVersion=${fromQuery} disagree`,
    );
  return fromHeader ?? fromQuery;
}

/** A boolean query flag: absent → `fallback`; true/false/1/0 (case-insensitive) else 400. */
export function flagOf(req: HttpRequest, name: string, fallback: boolean): boolean {
  const v = req.query.get(name);
  if (v === null) return fallback;
  if (/^(true|1)$/i.test(v) || v === "") return true;
  if (/^(false|0)$/i.test(v)) return false;
  throw new HttpError(
    400,
    "invalid_query",
    `${name}: ${JSON.stringify(v.slice(0, 64))} is not true or false`,
  );
}

/** `ETag: "<version>"`. */
export function etag(version: number): Record<string, string> {
  return { etag: `"${version}"` };
}
