// A real nats-server running deploy/nats/nats-server.conf (and the accounts.conf
// it includes) as shipped, adapted only where a test must differ: its store in a
// temp dir, 127.0.0.1 on a free port, no monitoring port. Passwords are random
// and reach the server through the environment, as in production.
import { copyFileSync, readFileSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  freePort,
  makeTempDir,
  removeDir,
  spawnNatsServer,
  stopNatsProcess,
} from "../../harness/nats.ts";

const deployDir = fileURLToPath(new URL("../../../deploy/nats/", import.meta.url));

/** The users of deploy/nats/accounts.conf and the environment variable of each password. */
export const ROLE_PASSWORD_ENV = {
  "control-plane": "LBAAS_CP_PASSWORD",
  "gw-a": "LBAAS_GW_A_PASSWORD",
  "gw-b": "LBAAS_GW_B_PASSWORD",
  auditor: "LBAAS_AUDITOR_PASSWORD",
  admin: "LBAAS_ADMIN_PASSWORD",
} as const;

export type Role = keyof typeof ROLE_PASSWORD_ENV;

/** The inbox prefix accounts.conf lets `role` subscribe to (admin: any subject). */
export function inboxPrefixOf(role: Role): string {
  return `_INBOX_${role}`;
}

/**
 * A random password nats-server reads back unchanged from the environment. It
 * parses a variable's value as a config value: "5e0…" is a parse error and
 * other values starting with a digit can turn into numbers, so: a letter first.
 */
export function randomPassword(): string {
  return `p${randomBytes(12).toString("hex")}`;
}

/** A running server with the deployed permissions. */
export interface DeployedNats {
  readonly url: string;
  readonly passwords: Readonly<Record<Role, string>>;
  /** connect() options for `role`. */
  as(role: Role): {
    servers: string[];
    user: string;
    pass: string;
    name: string;
    inboxPrefix: string;
  };
  stop(): Promise<void>;
}

/**
 * Replaces exactly one match of `pattern` in `text`; throws when there is none,
 * so the test notices when the shipped file changes shape.
 */
function replaceOnce(text: string, pattern: RegExp, replacement: string): string {
  if (!pattern.test(text)) throw new Error(`nats-server.conf: no line matches ${String(pattern)}`);
  return text.replace(pattern, replacement);
}

/**
 * Copies the shipped configuration into a temp dir, adapts store, address and
 * monitoring, and starts nats-server on it with random passwords in its
 * environment. Rejects with the server's log when it does not start.
 */
export async function startDeployedNats(): Promise<DeployedNats> {
  const dir = makeTempDir("lbaas-nats");
  const port = await freePort();
  let conf = readFileSync(join(deployDir, "nats-server.conf"), "utf8");
  conf = replaceOnce(conf, /^\s*store_dir:.*$/m, `  store_dir: "${join(dir, "store")}"`);
  conf = replaceOnce(conf, /^listen:.*$/m, `listen: 127.0.0.1:${port}`);
  conf = replaceOnce(conf, /^http:.*$/m, "");
  writeFileSync(join(dir, "nats-server.conf"), conf);
  copyFileSync(join(deployDir, "accounts.conf"), join(dir, "accounts.conf"));

  const passwords = Object.fromEntries(
    Object.keys(ROLE_PASSWORD_ENV).map((role) => [role, randomPassword()]),
  ) as Record<Role, string>;
  // spawnNatsServer passes this process's environment on: the variables the config reads.
  for (const [role, env] of Object.entries(ROLE_PASSWORD_ENV))
    process.env[env] = passwords[role as Role];
  const proc = await spawnNatsServer(["-c", join(dir, "nats-server.conf")], dir);
  return {
    url: proc.url,
    passwords,
    as: (role) => ({
      servers: [proc.url],
      user: role,
      pass: passwords[role],
      name: `perm-${role}`,
      inboxPrefix: inboxPrefixOf(role),
    }),
    stop: async () => {
      await stopNatsProcess(proc.child);
      removeDir(dir);
    },
  };
}
