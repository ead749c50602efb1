// How the demo talks to a newcomer: numbered sections with a short explanation,
// indented command output, check marks. Colour only on a terminal (NO_COLOR off).

const colour = process.stdout.isTTY && process.env["NO_COLOR"] === undefined;
const paint =
  (code: string) =>
  (text: string): string =>
    colour ? `\x1b[${code}m${text}\x1b[0m` : text;
const bold = paint("1");
const dim = paint("2");
const green = paint("32");
const red = paint("31");

let section = 0;

/** Prints a numbered section header and its explanation (one paragraph per string). */
export function heading(title: string, ...explanation: readonly string[]): void {
  section += 1;
  const line = `── ${section}. ${title} `;
  process.stdout.write(`\n${bold(line.padEnd(78, "─"))}\n`);
  for (const p of explanation) process.stdout.write(`${p}\n`);
}

/** `arg` as a POSIX shell would need it typed (single quotes when it holds anything unusual). */
export function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", "'\\''")}'`;
}

/** Prints the command line that is about to run, as a user would type it. */
export function command(argv: readonly string[]): void {
  process.stdout.write(`\n${dim("$")} ${bold(argv.map(shellQuote).join(" "))}\n`);
}

/** Prints `text` indented by two spaces; empty lines at the end are dropped. */
export function block(text: string): void {
  const lines = text.replace(/\s+$/, "").split("\n");
  process.stdout.write(lines.map((l) => (l === "" ? "" : `  ${l}`)).join("\n") + "\n");
}

/** Prints one line of prose. */
export function note(text: string): void {
  process.stdout.write(`${text}\n`);
}

/** Prints a check result: ✓ in green when `ok`, ✗ in red otherwise. */
export function check(ok: boolean, text: string): void {
  process.stdout.write(`${ok ? green("✓") : red("✗")} ${text}\n`);
}

/** Prints a warning or failure on stderr. */
export function warn(text: string): void {
  process.stderr.write(`${red("!")} ${text}\n`);
}
