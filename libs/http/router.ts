// A small HTTP router on node:http: exact segments and `:param` segments,
// JSON in and out, typed HTTP errors, a body-size limit, and request ids.
// It is deliberately tiny; the services own their handlers.
import type { IncomingMessage, ServerResponse } from "node:http";
import { randomUUID } from "node:crypto";
import type { Problem } from "../domain/model.ts";

/** What a handler receives. */
export interface HttpRequest {
  readonly method: string;
  readonly path: string;
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  readonly headers: IncomingMessage["headers"];
  readonly requestId: string;
  /** Parses the body as JSON; throws HttpError 400/413/415 on bad input. */
  json(): Promise<unknown>;
}

/** What a handler returns: a status, a JSON-able body (or text) and headers. */
export interface HttpResponse {
  readonly status: number;
  readonly body?: unknown;
  readonly text?: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** Fields for the request's log line (`onDone`'s `log`), e.g. the events a write appended. */
  readonly log?: Readonly<Record<string, unknown>>;
}

export type Handler = (req: HttpRequest) => Promise<HttpResponse> | HttpResponse;

/** An error that maps to an HTTP answer with a stable `code` and optional problems. */
export class HttpError extends Error {
  override readonly name = "HttpError";
  readonly status: number;
  readonly code: string;
  readonly problems: readonly Problem[];
  readonly extra: Readonly<Record<string, unknown>>;
  constructor(
    status: number,
    code: string,
    message: string,
    problems: readonly Problem[] = [],
    extra: Record<string, unknown> = {},
  ) {
    super(message);
    this.status = status;
    this.code = code;
    this.problems = problems;
    this.extra = extra;
  }
}

interface Route {
  readonly method: string;
  readonly segments: readonly string[];
  /** The pattern as registered, normalised (`/v1/services/:id`): the route's name. */
  readonly name: string;
  readonly handler: Handler;
}

export interface RouterOptions {
  /** Largest accepted request body in bytes. */
  readonly maxBodyBytes: number;
  /** Called once per finished request (for logs and metrics). */
  readonly onDone?: (info: {
    method: string;
    route: string;
    status: number;
    durationMs: number;
    requestId: string;
    error?: unknown;
    /** The handler's `log` fields, when it gave any. */
    log?: Readonly<Record<string, unknown>>;
  }) => void;
}

/** Routes requests to handlers; unknown paths are 404, wrong methods 405. */
export class Router {
  /** Routes by their number of segments, in registration order. */
  private readonly routes = new Map<number, Route[]>();
  private readonly options: RouterOptions;

  constructor(options: RouterOptions) {
    this.options = options;
  }

  /** Registers `handler` for `method` and a pattern like `/v1/services/:id`. */
  on(method: string, pattern: string, handler: Handler): this {
    const segments = pattern.split("/").filter(Boolean);
    const same = this.routes.get(segments.length) ?? [];
    same.push({ method, segments, name: "/" + segments.join("/"), handler });
    this.routes.set(segments.length, same);
    return this;
  }

  /** The node:http request listener. Never throws; every failure becomes a JSON error. */
  readonly listener = (req: IncomingMessage, res: ServerResponse): void => {
    void this.handle(req, res);
  };

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    const incomingId = req.headers["x-request-id"];
    const requestId =
      typeof incomingId === "string" && REQUEST_ID.test(incomingId) ? incomingId : randomUUID();
    const target = requestTarget(req.url ?? "/");
    const method = req.method ?? "GET";
    let routeName = "unmatched";
    let response: HttpResponse;
    let failure: unknown;
    try {
      const match = this.match(method, target.path);
      routeName = match.route;
      const request: HttpRequest = {
        method,
        path: target.path,
        params: match.params,
        query: target.query,
        headers: req.headers,
        requestId,
        json: () => readJson(req, this.options.maxBodyBytes),
      };
      response = await match.handler(request);
    } catch (err) {
      failure = err;
      response = errorResponse(err);
    }
    // Drain what the client still sends so the connection is reusable (a body read
    // to its end needs nothing: resuming it would only schedule a tick).
    if (!req.readableEnded) req.resume();
    // Headers as a flat [name, value, ...] list: node writes it without building
    // an object per response.
    const headers: string[] = ["x-request-id", requestId];
    let contentType: string | undefined;
    for (const name in response.headers) {
      const value = response.headers[name] as string;
      if (name.toLowerCase() === "content-type") contentType = value;
      else headers.push(name, value);
    }
    // With Content-Length (rather than chunked encoding, node's default after
    // writeHead) node sends head and body as one string in one write(2).
    if (response.text !== undefined) {
      headers.push("content-type", contentType ?? "text/plain; charset=utf-8");
      sendText(res, response.status, headers, response.text);
    } else if (response.body !== undefined) {
      headers.push("content-type", "application/json");
      sendText(res, response.status, headers, JSON.stringify(response.body) + "\n");
    } else {
      if (contentType !== undefined) headers.push("content-type", contentType);
      if (response.status >= 200 && response.status !== 204 && response.status !== 304)
        headers.push("content-length", "0");
      res.writeHead(response.status, headers).end();
    }
    this.options.onDone?.({
      method,
      route: routeName,
      status: response.status,
      durationMs: performance.now() - started,
      requestId,
      ...(failure !== undefined && response.status >= 500 ? { error: failure } : {}),
      ...(response.log !== undefined ? { log: response.log } : {}),
    });
  }

  private match(
    method: string,
    path: string,
  ): { handler: Handler; params: Record<string, string>; route: string } {
    const parts = path.split("/").filter(Boolean);
    let pathMatched = false;
    for (const route of this.routes.get(parts.length) ?? []) {
      if (!route.segments.every((seg, i) => seg.startsWith(":") || seg === parts[i])) continue;
      const params: Record<string, string> = {};
      let ok = true;
      route.segments.forEach((seg, i) => {
        if (!seg.startsWith(":")) return;
        const part = parts[i] as string;
        try {
          params[seg.slice(1)] = part.includes("%") ? decodeURIComponent(part) : part;
        } catch {
          ok = false;
        }
      });
      if (!ok) continue;
      pathMatched = true;
      if (route.method === method) return { handler: route.handler, params, route: route.name };
    }
    if (pathMatched)
      throw new HttpError(405, "method_not_allowed", `method ${method} is not allowed on ${path}`);
    throw new HttpError(404, "not_found", `no such path: ${JSON.stringify(path)}`);
  }
}

/** Answers `text` (utf-8) with its Content-Length added to `headers`. */
function sendText(res: ServerResponse, status: number, headers: string[], text: string): void {
  headers.push("content-length", String(Buffer.byteLength(text)));
  res.writeHead(status, headers).end(text);
}

/** Maps any thrown value to a JSON error answer; unknown errors are 500 without internals. */
export function errorResponse(err: unknown): HttpResponse {
  if (err instanceof HttpError) {
    return {
      status: err.status,
      body: {
        error: {
          code: err.code,
          message: err.message,
          ...(err.problems.length > 0 ? { problems: err.problems } : {}),
          ...err.extra,
        },
      },
    };
  }
  return {
    status: 500,
    body: { error: { code: "internal", message: "internal error; see the server log" } },
  };
}

/** A request id given by the client is kept when it is this simple (else a UUID is made). */
const REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

/**
 * A path the WHATWG URL parser would leave as it is: segments of unreserved
 * characters that are not "." or "..", no empty segment, no query or fragment.
 */
const PLAIN_PATH = /^(?:\/[A-Za-z0-9_~-][A-Za-z0-9._~-]*)*\/?$/;
const NO_QUERY = new URLSearchParams();

/**
 * The path and query of a request target. Plain paths (every API path with an id)
 * skip the URL parser, which costs more than the rest of the routing; anything else
 * goes through it, so dot segments, percent-encodings and queries mean what they
 * always meant. The query is shared and empty for plain paths: handlers only read it.
 */
export function requestTarget(url: string): { path: string; query: URLSearchParams } {
  if (PLAIN_PATH.test(url)) return { path: url, query: NO_QUERY };
  const parsed = new URL(url, "http://localhost");
  return { path: parsed.pathname, query: parsed.searchParams };
}

async function readJson(req: IncomingMessage, maxBytes: number): Promise<unknown> {
  const type = req.headers["content-type"] ?? "application/json";
  if (!/^application\/json\b/.test(type)) {
    throw new HttpError(
      415,
      "unsupported_media_type",
      `content-type ${JSON.stringify(type)} is not application/json`,
    );
  }
  const declared = Number(req.headers["content-length"] ?? "0");
  if (declared > maxBytes) {
    throw new HttpError(
      413,
      "body_too_large",
      `request body of ${declared} bytes exceeds the limit of ${maxBytes}`,
    );
  }
  return parseJson(await readBody(req, maxBytes));
}

/**
 * The body's bytes (listeners rather than an async iterator: one promise per body
 * instead of one per chunk). Above `maxBytes` the request is destroyed (as leaving
 * a `for await` loop over it would) and HttpError 413 rejects; so does an error
 * or a close before the end.
 */
function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    // Read already (a second json() call): nothing more will come.
    if (req.readableEnded) return resolve(Buffer.alloc(0));
    if (req.destroyed) return reject(new Error("request closed before its body ended"));
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (): void => {
      req.off("data", onData).off("end", onEnd).off("error", onError).off("close", onClose);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size <= maxBytes) {
        chunks.push(chunk);
        return;
      }
      done();
      req.destroy();
      reject(
        new HttpError(413, "body_too_large", `request body exceeds the limit of ${maxBytes} bytes`),
      );
    };
    const onEnd = (): void => {
      done();
      resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks));
    };
    const onError = (err: Error): void => {
      done();
      reject(err);
    };
    const onClose = (): void => {
      done();
      reject(new Error("request closed before its body ended"));
    };
    req.on("data", onData).on("end", onEnd).on("error", onError).on("close", onClose);
  });
}

function parseJson(body: Buffer): unknown {
  const text = body.toString("utf8");
  if (text.trim() === "")
    throw new HttpError(400, "invalid_json", "request body is empty; a json document is required");
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new HttpError(
      400,
      "invalid_json",
      `request body is not valid json: ${(err as Error).message}`,
    );
  }
}
