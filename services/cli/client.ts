// The HTTP client of the lbaas CLI: JSON in and out, API errors as typed values.
import type { Problem } from "../../libs/domain/model.ts";

/** An error answer of the API (or a network failure, status 0). */
export class ApiError extends Error {
  override readonly name = "ApiError";
  readonly status: number;
  readonly code: string;
  readonly problems: readonly Problem[];
  readonly body: unknown;

  constructor(
    status: number,
    code: string,
    message: string,
    problems: readonly Problem[] = [],
    body: unknown = null,
  ) {
    super(message);
    this.status = status;
    this.code = code;
    this.problems = problems;
    this.body = body;
  }
}

/** True for an ApiError, optionally with the given code. */
export function isApiError(err: unknown, code?: string): err is ApiError {
  return err instanceof ApiError && (code === undefined || err.code === code);
}

export interface ApiAnswer<T> {
  readonly status: number;
  readonly body: T;
  readonly etag: string | null;
}

/** The default server: $LBAAS_SERVER, else http://127.0.0.1:8080. */
export function defaultServer(env: Readonly<Record<string, string | undefined>>): string {
  return env["LBAAS_SERVER"] ?? "http://127.0.0.1:8080";
}

export class ApiClient {
  readonly base: string;
  private readonly headers: Readonly<Record<string, string>>;

  /** `base` like `http://127.0.0.1:8080`; `headers` go with every request (actor, reason). */
  constructor(base: string, headers: Readonly<Record<string, string>> = {}) {
    this.base = base.replace(/\/+$/, "");
    this.headers = headers;
  }

  /**
   * Sends one request; a body is sent as JSON. Resolves with a 2xx answer; throws
   * ApiError for any other status (with the API's code, message and problems), or
   * status 0 / code `unreachable` when the server cannot be reached.
   */
  async request<T = unknown>(
    method: string,
    path: string,
    body?: unknown,
    headers: Readonly<Record<string, string>> = {},
  ): Promise<ApiAnswer<T>> {
    let res: Response;
    try {
      res = await fetch(this.base + path, {
        method,
        headers: {
          ...this.headers,
          ...(body !== undefined ? { "content-type": "application/json" } : {}),
          ...headers,
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
    } catch (err) {
      const cause =
        err instanceof Error && err.cause instanceof Error ? `: ${err.cause.message}` : "";
      throw new ApiError(0, "unreachable", `cannot reach ${this.base}${cause}`);
    }
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text === "" ? null : JSON.parse(text);
    } catch {
      // not json: keep the text
    }
    if (res.ok) return { status: res.status, body: parsed as T, etag: res.headers.get("etag") };
    const e = (
      parsed as { error?: { code?: string; message?: string; problems?: Problem[] } } | null
    )?.error;
    throw new ApiError(
      res.status,
      e?.code ?? "http_error",
      e?.message ?? `${res.status} ${res.statusText}`,
      e?.problems ?? [],
      parsed,
    );
  }
}
