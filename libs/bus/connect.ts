// NATS connection settings: validation of untrusted input (every problem with its
// field path, never a throw) and the translation of validated settings into
// @nats-io/transport-node connection options.
import { readFileSync } from "node:fs";
import { credsAuthenticator, nkeyAuthenticator } from "@nats-io/transport-node";
import type { NodeConnectionOptions } from "@nats-io/transport-node";
import type { Problem } from "../domain/model.ts";
import { BusError } from "./errors.ts";

/** TLS files: a CA to trust and, for mutual TLS, a client certificate with its key. */
export interface NatsTlsSettings {
  readonly caFile?: string;
  readonly certFile?: string;
  readonly keyFile?: string;
}

/**
 * How to reach NATS. At most one authentication method: user+password, token,
 * nkey seed file or creds file. TLS is negotiated with the server whatever the
 * url scheme (nats:// or tls://); `tls` adds a CA and/or a client certificate.
 */
export interface NatsSettings {
  /** At least one `nats://host[:port]` or `tls://host[:port]` url. */
  readonly servers: readonly string[];
  /** Connection name shown by the server's monitoring (e.g. `gateway gw-0001`). */
  readonly name?: string;
  readonly user?: string;
  readonly password?: string;
  readonly token?: string;
  readonly nkeySeedFile?: string;
  readonly credsFile?: string;
  /**
   * Subject prefix of this client's reply inboxes (JetStream API answers, publish
   * acks, consumer deliveries); default `_INBOX`. One prefix per NATS user lets the
   * server's permissions keep each client out of the others' replies.
   */
  readonly inboxPrefix?: string;
  readonly tls?: NatsTlsSettings;
}

/** Result of validating untrusted settings. */
export type NatsSettingsResult =
  | { readonly ok: true; readonly value: NatsSettings }
  | { readonly ok: false; readonly problems: readonly Problem[] };

const KNOWN_KEYS = new Set([
  "servers",
  "name",
  "user",
  "password",
  "token",
  "nkeySeedFile",
  "credsFile",
  "inboxPrefix",
  "tls",
]);
/** Subject tokens without wildcards: what nats-server accepts as an inbox prefix. */
const INBOX_PREFIX = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;
const TLS_KEYS = new Set(["caFile", "certFile", "keyFile"]);

/**
 * Validates untrusted NATS settings found at `path` (default `nats`). Never throws:
 * returns every problem, e.g. `nats.servers[0]: "nats//x" is not a nats:// url`.
 * Unknown keys are problems too (a typo must not silently drop a setting).
 */
export function validateNatsSettings(input: unknown, path = "nats"): NatsSettingsResult {
  const problems: Problem[] = [];
  const at = (p: string, message: string): void => void problems.push({ path: p, message });
  if (!isRecord(input)) {
    at(path, `${describe(input)} is not an object`);
    return { ok: false, problems };
  }
  for (const key of Object.keys(input))
    if (!KNOWN_KEYS.has(key)) at(`${path}.${key}`, `unknown setting ${JSON.stringify(key)}`);

  const servers = input["servers"];
  if (servers === undefined)
    at(`${path}.servers`, "missing, expected a non-empty list of nats:// urls");
  else if (!Array.isArray(servers) || servers.length === 0)
    at(`${path}.servers`, `${describe(servers)} is not a non-empty list of nats:// urls`);
  else
    servers.forEach((s: unknown, i) => {
      const problem = serverUrlProblem(s);
      if (problem !== null) at(`${path}.servers[${i}]`, problem);
    });

  for (const key of ["name", "user", "password", "token", "nkeySeedFile", "credsFile"])
    if (input[key] !== undefined && !isNonEmptyString(input[key]))
      at(`${path}.${key}`, `${describe(input[key])} is not a non-empty string`);
  const inbox = input["inboxPrefix"];
  if (inbox !== undefined && !(typeof inbox === "string" && INBOX_PREFIX.test(inbox)))
    at(
      `${path}.inboxPrefix`,
      `${describe(inbox)} is not a subject prefix (tokens of letters, digits, _ and - joined by dots; no wildcards)`,
    );
  if ((input["user"] === undefined) !== (input["password"] === undefined))
    at(
      `${path}.${input["user"] === undefined ? "user" : "password"}`,
      "user and password go together: one is missing",
    );
  const methods = ["user", "token", "nkeySeedFile", "credsFile"].filter(
    (k) => input[k] !== undefined,
  );
  if (methods.length > 1)
    at(path, `choose one authentication method, got ${methods.map((m) => `"${m}"`).join(", ")}`);

  const tls = input["tls"];
  if (tls !== undefined) {
    if (!isRecord(tls)) at(`${path}.tls`, `${describe(tls)} is not an object`);
    else {
      for (const key of Object.keys(tls)) {
        if (!TLS_KEYS.has(key)) at(`${path}.tls.${key}`, `unknown setting ${JSON.stringify(key)}`);
        else if (!isNonEmptyString(tls[key]))
          at(`${path}.tls.${key}`, `${describe(tls[key])} is not a non-empty string`);
      }
      if ((tls["certFile"] === undefined) !== (tls["keyFile"] === undefined))
        at(
          `${path}.tls.${tls["certFile"] === undefined ? "certFile" : "keyFile"}`,
          "certFile and keyFile go together: one is missing",
        );
    }
  }
  return problems.length > 0
    ? { ok: false, problems }
    : { ok: true, value: input as unknown as NatsSettings };
}

/**
 * Builds connection options from validated settings.
 *
 * Reconnect defaults, chosen for long-running workers that must ride out server
 * restarts and rolling upgrades: reconnect forever (`maxReconnectAttempts: -1`),
 * 2 s between attempts on the same server plus a random jitter of up to 1 s
 * (2 s with TLS) so a fleet of gateways does not reconnect in lock-step, and
 * `waitOnFirstConnect` so a worker started before its server keeps trying.
 * Pings every 20 s, 3 unanswered pings = dead connection (about a minute), not the
 * client's default of several minutes. Anything here can be overridden by the caller.
 *
 * Nkey seed and creds files are read now (a missing file fails fast with a
 * `BusError` code `invalid_settings`) and again at every reconnect, so a rotated
 * file is picked up; if a later read fails, the last good content is used.
 */
export function natsConnectOptions(settings: NatsSettings): NodeConnectionOptions {
  const options: NodeConnectionOptions = {
    servers: [...settings.servers],
    reconnect: true,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 2_000,
    reconnectJitter: 1_000,
    reconnectJitterTLS: 2_000,
    waitOnFirstConnect: true,
    pingInterval: 20_000,
    maxPingOut: 3,
  };
  if (settings.name !== undefined) options.name = settings.name;
  if (settings.user !== undefined) options.user = settings.user;
  if (settings.password !== undefined) options.pass = settings.password;
  if (settings.token !== undefined) options.token = settings.token;
  if (settings.inboxPrefix !== undefined) options.inboxPrefix = settings.inboxPrefix;
  if (settings.nkeySeedFile !== undefined)
    options.authenticator = nkeyAuthenticator(rereadable(settings.nkeySeedFile, "nkeySeedFile"));
  if (settings.credsFile !== undefined)
    options.authenticator = credsAuthenticator(rereadable(settings.credsFile, "credsFile"));
  if (settings.tls !== undefined) {
    const { caFile, certFile, keyFile } = settings.tls;
    options.tls = {
      ...(caFile !== undefined ? { caFile } : {}),
      ...(certFile !== undefined ? { certFile } : {}),
      ...(keyFile !== undefined ? { keyFile } : {}),
    };
  }
  return options;
}

/** Reads `file` now (throwing a typed error) and returns a reader that keeps the last good bytes. */
function rereadable(file: string, field: string): () => Uint8Array {
  let last: Uint8Array;
  try {
    last = readFileSync(file);
  } catch (err) {
    throw new BusError(
      "invalid_settings",
      `nats.${field}: cannot read ${JSON.stringify(file)}: ${(err as Error).message}`,
      { cause: err },
    );
  }
  return () => {
    try {
      last = readFileSync(file);
    } catch {
      // keep the last good content: a half-rotated file must not break reconnects
    }
    return last;
  };
}

function serverUrlProblem(value: unknown): string | null {
  if (typeof value !== "string") return `${describe(value)} is not a nats:// url`;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `${JSON.stringify(value)} is not a nats:// url`;
  }
  if (url.protocol !== "nats:" && url.protocol !== "tls:")
    return `${JSON.stringify(value)} is not a nats:// url (scheme must be nats:// or tls://)`;
  if (url.hostname === "") return `${JSON.stringify(value)} is not a nats:// url (no host)`;
  if (url.username !== "" || url.password !== "")
    return `${JSON.stringify(value)}: credentials in the url are ignored by the client; use user/password`;
  if ((url.pathname !== "" && url.pathname !== "/") || url.search !== "" || url.hash !== "")
    return `${JSON.stringify(value)} is not a nats:// url (no path, query or fragment allowed)`;
  if (url.port === "0") return `${JSON.stringify(value)}: port 0 is not a port (1-65535)`;
  return null;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function isNonEmptyString(v: unknown): v is string {
  return typeof v === "string" && v.trim() !== "";
}

function describe(v: unknown): string {
  return JSON.stringify(v) ?? typeof v; // undefined, functions, symbols
}
