// compose.yaml cannot be run here (no image can be pulled), so it is checked as
// far as this machine allows: it parses; everything it references exists (build
// contexts, Dockerfile stages, bind mounts, NATS config files and their
// includes); the flags and environment it hands to the bins pass the bins' own
// validators; NATS users and gateway ids agree with deploy/nats/accounts.conf;
// and `docker compose config` validates it when the compose plugin is installed.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { REPO, controlPlaneProblems, flagsOf, gatewayProblems, helpFlags } from "./bin-settings.ts";

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string; target: string };
  command?: (string | number)[];
  environment?: Record<string, string | number>;
  volumes?: string[];
  cap_add?: string[];
  cap_drop?: string[];
  depends_on?: Record<string, { condition: string }>;
}

const text = readFileSync(join(REPO, "compose.yaml"), "utf8");
// Compose resolves YAML merge keys (`<<: *anchor`); so does the yaml lib with merge: true.
const compose = parse(text, { merge: true }) as { services: Record<string, Service> };
const services = compose.services;
const accounts = readFileSync(join(REPO, "deploy/nats/accounts.conf"), "utf8");

/** `${NAME:-default}` → default (what compose uses without a .env); other values as strings. */
function interpolate(value: string | number): string {
  return String(value).replace(/\$\{[A-Z0-9_]+:-([^}]*)\}/g, "$1");
}

function envOf(s: Service): Record<string, string> {
  return Object.fromEntries(
    Object.entries(s.environment ?? {}).map(([k, v]) => [k, interpolate(v)]),
  );
}

test("compose.yaml parses and declares the cluster, the control plane and two gateways", () => {
  assert.deepEqual(Object.keys(services).sort(), [
    "control-plane",
    "gateway-a",
    "gateway-b",
    "lbaas",
    "nats-1",
    "nats-2",
    "nats-3",
  ]);
  for (const n of ["nats-1", "nats-2", "nats-3"]) {
    assert.match(services[n]?.image ?? "", /^nats:2\.\d+(-alpine)?$/, n);
    assert.equal(envOf(services[n] ?? {})["NATS_SERVER_NAME"], n);
  }
});

test("every ${VAR} has a default, so `docker compose up` works without a .env", () => {
  const bare = [...text.matchAll(/\$\{([A-Z0-9_]+)(:-[^}]*)?\}/g)].filter(
    (m) => m[2] === undefined,
  );
  assert.deepEqual(
    bare.map((m) => m[1]),
    [],
  );
});

test("builds: contexts, Dockerfile and its stages exist; COPY sources exist and pass the ignore file", () => {
  const built = Object.entries(services).filter(([, s]) => s.build !== undefined);
  assert.ok(built.length >= 4);
  for (const [name, s] of built) {
    const b = s.build as NonNullable<Service["build"]>;
    const dockerfile = join(REPO, b.context, b.dockerfile);
    assert.ok(existsSync(dockerfile), `${name}: ${dockerfile}`);
    const stages = [...readFileSync(dockerfile, "utf8").matchAll(/^FROM \S+ AS (\S+)$/gm)].map(
      (m) => m[1],
    );
    assert.ok(stages.includes(b.target), `${name}: stage ${b.target} not in ${stages.join(", ")}`);
  }
  const dockerfile = readFileSync(join(REPO, "deploy/docker/Dockerfile"), "utf8");
  assert.match(dockerfile, /^ARG NODE_IMAGE=node:24-slim$/m);
  assert.match(
    dockerfile,
    /FROM base AS gateway\nRUN apt-get update[^\n]*\n[^\n]*install[^\n]*nftables/,
  );
  const ignore = readFileSync(join(REPO, "deploy/docker/Dockerfile.dockerignore"), "utf8");
  for (const m of dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)) {
    for (const source of (m[1] ?? "").split(" ")) {
      assert.ok(existsSync(join(REPO, source)), `COPY source ${source}`);
      assert.ok(ignore.includes(`!${source}`), `${source} is excluded by the dockerignore file`);
    }
  }
});

test("bind mounts exist, and each NATS node's config file and its includes exist", () => {
  for (const [name, s] of Object.entries(services)) {
    for (const v of s.volumes ?? []) {
      const [host] = v.split(":");
      if (host?.startsWith("./")) assert.ok(existsSync(join(REPO, host)), `${name}: ${host}`);
    }
  }
  for (const n of ["nats-1", "nats-2", "nats-3"]) {
    const s = services[n] as Service;
    assert.deepEqual(s.command, ["-c", "/etc/nats/cluster.conf"]);
    assert.ok(s.volumes?.includes("./deploy/nats:/etc/nats:ro"));
    const conf = readFileSync(join(REPO, "deploy/nats/cluster.conf"), "utf8");
    for (const inc of conf.matchAll(/^include (\S+)$/gm))
      assert.ok(existsSync(join(REPO, "deploy/nats", inc[1] ?? "")), `include ${inc[1]}`);
    // Every password accounts.conf reads from the environment is given to every node.
    const wanted = [...accounts.matchAll(/password: \$([A-Z0-9_]+)/g)].map((m) => m[1] ?? "");
    assert.ok(wanted.length >= 4);
    for (const env of wanted) assert.ok(envOf(s)[env], `${n}: ${env} missing`);
  }
});

test("the control plane's command and environment pass its own settings validation", () => {
  const s = services["control-plane"] as Service;
  const argv = (s.command ?? []).map(interpolate);
  assert.deepEqual(controlPlaneProblems(argv, envOf(s)), []);
  const help = helpFlags("lbaas-control-plane.ts");
  for (const flag of flagsOf(argv)) assert.ok(help.has(flag), `${flag} not in --help`);
});

test("each gateway: valid command, NET_ADMIN, a NATS user allowed to publish exactly its status", () => {
  const help = helpFlags("lbaas-gateway.ts");
  for (const name of ["gateway-a", "gateway-b"]) {
    const s = services[name] as Service;
    const argv = (s.command ?? []).map(interpolate);
    assert.deepEqual(gatewayProblems(argv, envOf(s)), [], name);
    for (const flag of flagsOf(argv)) assert.ok(help.has(flag), `${name}: ${flag} not in --help`);
    assert.deepEqual(s.cap_add, ["NET_ADMIN"]);
    assert.deepEqual(s.cap_drop, ["ALL"]);
    assert.equal(s.depends_on?.["control-plane"]?.condition, "service_healthy");
    const id = argv[argv.indexOf("--id") + 1];
    const group = argv[argv.indexOf("--group") + 1];
    const user = envOf(s)["NATS_USER"];
    const block = accounts.slice(accounts.indexOf(`user: ${user}\n`));
    assert.ok(block.length < accounts.length, `${name}: user ${user} not in accounts.conf`);
    const permissions = block.slice(0, block.indexOf("\n      }\n"));
    assert.ok(permissions.includes(`"lbaas.status.${group}.${id}"`), `${name}: status subject`);
    assert.ok(permissions.includes(`LBAAS_EVENTS.*.lbaas.evt.${group}.>`), `${name}: its group`);
  }
});

test("`docker compose config` accepts compose.yaml (when the compose plugin is installed)", (t) => {
  const version = spawnSync("docker", ["compose", "version"], { encoding: "utf8" });
  if (version.status !== 0) {
    // Debian 12 has no compose plugin package and nothing else can be installed here; the
    // other tests of this file check compose.yaml against the bins without it.
    t.skip("the docker compose plugin is not installed here: `docker compose config` not run");
    return;
  }
  const r = spawnSync("docker", ["compose", "-f", join(REPO, "compose.yaml"), "config", "-q"], {
    encoding: "utf8",
  });
  assert.equal(r.status, 0, r.stderr);
});
