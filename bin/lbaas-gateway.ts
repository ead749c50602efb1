#!/usr/bin/env -S node --max-semi-space-size=8
// lbaas-gateway: the gateway applier (one per gateway host), and
// `lbaas-gateway remove-tables` to delete its nftables tables. See services/gateway/README.md.
//
// The module compile cache (NODE_COMPILE_CACHE or the OS temp dir) is enabled
// before the service's modules load: from the second start on, TypeScript is not
// stripped again, which saves the stripper's ~30 MB of WebAssembly memory. Heap
// tuning is the `--memory` setting (services/gateway/memory-mode.ts); the shebang
// caps the young generation (8 MB semi-spaces: peak RSS at 10k services ~190 MB
// instead of ~280 MB during the first full render), which only the command line or
// NODE_OPTIONS can do. `node bin/lbaas-gateway.ts` skips it.
import { enableCompileCache } from "node:module";

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
