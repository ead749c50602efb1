#!/usr/bin/env node
// `npm run demo`: the whole system on one machine, with real traffic.
//
//   node demo/run.ts [--ci] [--keep] [--dir DIR]
//
// --ci    run the story, check the traffic, clean up and exit (0 = every check
//         passed); without it, on a terminal, everything stays up for exploring
//         until Ctrl-C.
// --keep  keep .demo/ (NATS store and logs) after the end.
// --dir   use DIR instead of .demo/ (it is emptied first and removed at the end).
//
// Needs root (network namespaces, nftables). Without root it says why and only
// renders the ruleset. Everything it creates is removed on exit, Ctrl-C included:
// processes by pid (children.ts), namespaces (tests/harness/netns-cleanup.ts), and
// .demo/ unless --keep (or a failure, whose logs are kept).
import { existsSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { stopAll } from "./children.ts";
import { missingTools } from "./preflight.ts";
import { renderOnly } from "./render-only.ts";
import { block, heading, note, warn } from "./say.ts";

const USAGE = "usage: node demo/run.ts [--ci] [--keep] [--dir DIR]";
const { values } = parseArgs({
  options: {
    ci: { type: "boolean" },
    keep: { type: "boolean" },
    dir: { type: "string" },
    help: { type: "boolean" },
  },
});
if (values.help === true) {
  console.log(USAGE);
  process.exit(0);
}
const root = fileURLToPath(new URL("..", import.meta.url)).replace(/\/$/, "");
const stateDir = resolve(values.dir ?? join(root, ".demo"));
const dirs = { nats: join(stateDir, "nats"), logs: join(stateDir, "logs") };
let keepState = values.keep === true;
let madeState = false; // only a directory this run made is removed
// The directory is emptied and removed: refuse one that holds anything but ours.
const foreign = existsSync(stateDir)
  ? readdirSync(stateDir).filter((f) => f !== "nats" && f !== "logs")
  : [];
if (foreign.length > 0) {
  warn(`${stateDir} holds other files (${foreign.slice(0, 3).join(", ")}): choose another --dir`);
  process.exit(2);
}

process.on("exit", (code) => {
  // Runs after children.ts killed the processes (its hook was registered first).
  const remove = madeState && !keepState;
  if (remove) rmSync(stateDir, { recursive: true, force: true, maxRetries: 5 });
  if (code === 130 || code === 143)
    process.stderr.write(
      `\ninterrupted: stopped the processes, removed the namespaces${remove ? ` and ${stateDir}` : ""}\n`,
    );
});

note("lbaas demo: a load-balancer control plane, two gateways and real traffic.");
if (process.getuid?.() !== 0) {
  process.exitCode = renderOnly("it is not running as root");
} else if (missingTools().length > 0) {
  process.exitCode = renderOnly(`missing programs: ${missingTools().join(", ")}`);
} else {
  rmSync(stateDir, { recursive: true, force: true });
  mkdirSync(dirs.logs, { recursive: true });
  madeState = true;
  // Loaded only now: the harness needs root from its first call on.
  const { runStory } = await import("./story.ts");
  const { removeLabs } = await import("./labs.ts");
  const made: Parameters<typeof runStory>[1] = { labs: [] };
  try {
    const outcome = await runStory(dirs, made);
    heading(outcome.failures === 0 ? "Done" : `Done, with ${outcome.failures} failed checks`);
    if (values.ci !== true && process.stdin.isTTY) {
      note("Everything keeps running. Explore it from another shell, e.g.:");
      block(
        [
          `export LBAAS_SERVER=${outcome.env.LBAAS_SERVER} NATS_URL=${outcome.env.NATS_URL}`,
          `alias lbaas="${root}/node_modules/.bin/node ${root}/bin/lbaas.ts"`,
          "lbaas get inventory",
          "lbaas history service web",
          "lbaas audit verify",
          `ip netns exec ${made.labs[0]?.topology.names.gateway ?? ""} nft list ruleset`,
          `curl -s ${outcome.env.LBAAS_SERVER}/v1/status | head`,
        ].join("\n"),
      );
      note("Press Ctrl-C to stop and remove everything.");
      setInterval(() => {}, 60_000); // keep running until Ctrl-C (the exit hooks clean up)
      await new Promise<never>(() => {});
    }
    process.exitCode = outcome.failures === 0 ? 0 : 1;
  } catch (err) {
    warn(`the demo failed: ${err instanceof Error ? err.message : String(err)}`);
    keepState = true;
    warn(`logs kept in ${dirs.logs} (and the NATS store in ${dirs.nats})`);
    process.exitCode = 1;
  } finally {
    note("\nCleaning up: stopping the processes, removing the namespaces…");
    await stopAll();
    await removeLabs(made.labs);
  }
}
