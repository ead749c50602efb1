// Log fields that may hold secrets. Every service's pino logger redacts them, so a
// settings object or a request logged by mistake never leaks a password or token.
export const SECRET_LOG_PATHS: readonly string[] = [
  "password",
  "token",
  "*.password",
  "*.token",
  "*.*.password",
  "*.*.token",
  "nats.tls.keyFile",
  "headers.authorization",
  'headers["x-lbaas-token"]',
];

/** pino's `redact` option for {@link SECRET_LOG_PATHS}. */
export const REDACT_SECRETS = { paths: [...SECRET_LOG_PATHS], censor: "[REDACTED]" };
