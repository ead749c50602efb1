// The NATS connection settings every lbaas process takes (control plane, gateway,
// audit commands): config key under `nats`, flag and environment variable. One list,
// so the three programs spell them the same way; validateNatsSettings checks them.
import type { SettingSpec } from "../settings/load.ts";

export const NATS_SETTING_SPECS: readonly SettingSpec[] = [
  {
    path: "nats.servers",
    flag: "nats",
    env: "NATS_URL",
    kind: "list",
    help: "nats server urls, comma-separated (default nats://127.0.0.1:4222)",
  },
  {
    path: "nats.user",
    flag: "nats-user",
    env: "NATS_USER",
    kind: "string",
    help: "nats user (with --nats-password)",
  },
  {
    path: "nats.password",
    flag: "nats-password",
    env: "NATS_PASSWORD",
    kind: "string",
    help: "nats password",
  },
  { path: "nats.token", flag: "nats-token", env: "NATS_TOKEN", kind: "string", help: "nats token" },
  {
    path: "nats.nkeySeedFile",
    flag: "nats-nkey-file",
    env: "NATS_NKEY_FILE",
    kind: "string",
    help: "file holding an nkey seed",
  },
  {
    path: "nats.credsFile",
    flag: "nats-creds",
    env: "NATS_CREDS",
    kind: "string",
    help: "nats .creds file (jwt + nkey)",
  },
  {
    path: "nats.inboxPrefix",
    flag: "nats-inbox-prefix",
    env: "NATS_INBOX_PREFIX",
    kind: "string",
    help: "subject prefix of this client's reply inboxes (default _INBOX); one per user confines replies",
  },
  {
    path: "nats.tls.caFile",
    flag: "nats-tls-ca",
    env: "NATS_TLS_CA",
    kind: "string",
    help: "ca certificate to trust for nats tls",
  },
  {
    path: "nats.tls.certFile",
    flag: "nats-tls-cert",
    env: "NATS_TLS_CERT",
    kind: "string",
    help: "client certificate for nats mutual tls",
  },
  {
    path: "nats.tls.keyFile",
    flag: "nats-tls-key",
    env: "NATS_TLS_KEY",
    kind: "string",
    help: "client key for nats mutual tls",
  },
];
