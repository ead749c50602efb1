// `node tests/harness/cleanup.ts [--all]`: removes leftover test namespaces
// (`lbt-*`) whose creating process is gone, or every one with --all, killing
// what still runs inside them. Prints what it removed.
import { cleanupStale } from "./netns-cleanup.ts";

const removed = cleanupStale({ all: process.argv.includes("--all") });
console.log(removed.length === 0 ? "no stale lbt-* namespaces" : `removed: ${removed.join(" ")}`);
