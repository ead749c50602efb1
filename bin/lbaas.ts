#!/usr/bin/env node
// lbaas: the command-line tool. A small dispatcher: the control-plane commands
// (apply, get, delete, status) live in services/cli/; other commands (render,
// apply-local, history, ...) are added by their own modules.
import { CONTROL_PLANE_COMMANDS, runControlPlaneCommand, USAGE } from "../services/cli/main.ts";

const [command, ...rest] = process.argv.slice(2);
if (command !== undefined && CONTROL_PLANE_COMMANDS.includes(command)) {
  process.exitCode = await runControlPlaneCommand([command, ...rest]);
} else if (
  command === undefined ||
  command === "help" ||
  command === "--help" ||
  command === "-h"
) {
  console.log(`usage: lbaas <command> [flags]\n\n${USAGE}`);
  process.exitCode = command === undefined ? 2 : 0;
} else {
  console.error(`lbaas: unknown command ${JSON.stringify(command)}\n\n${USAGE}`);
  process.exitCode = 2;
}
