#!/usr/bin/env node
// lbaas-gateway: the gateway applier (one per gateway host), and
// `lbaas-gateway remove-tables` to delete its nftables tables. See services/gateway/README.md.
//
// Memory (target: RSS ≤ 200 MB at 10,000 services). Two settings made before the
// service's modules load:
// - V8 flags from LBAAS_GATEWAY_V8_FLAGS, default `--optimize-for-size`: every
//   incremental sync re-renders the whole ruleset, and at 10k services V8's default
//   heap growth then keeps ~200 MB of garbage headroom (RSS ~400-500 MB measured);
//   with it RSS stays ~160-180 MB. Set it to "" for the V8 defaults.
// - the module compile cache (NODE_COMPILE_CACHE or the OS temp dir): from the
//   second start on, TypeScript is not stripped again, which saves the stripper's
//   ~30 MB of WebAssembly memory.
import { enableCompileCache } from "node:module";
import { setFlagsFromString } from "node:v8";

setFlagsFromString(process.env["LBAAS_GATEWAY_V8_FLAGS"] ?? "--optimize-for-size");
enableCompileCache();
const { runGateway } = await import("../services/gateway/main.ts");
const { removeTables } = await import("../services/gateway/remove-tables.ts");

const [first, ...rest] = process.argv.slice(2);
const io = {
  stdout: (t: string): void => void process.stdout.write(t),
  stderr: (t: string): void => void process.stderr.write(t),
};
const code =
  first === "remove-tables"
    ? await removeTables(rest, process.env, io)
    : await runGateway(process.argv.slice(2), process.env);
process.exitCode = code;
// Leftover handles (NATS sockets closing, timers) must not keep a stopped gateway alive.
setTimeout(() => process.exit(code), 2_000).unref();
