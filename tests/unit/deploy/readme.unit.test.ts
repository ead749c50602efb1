// The newcomer's documents must not rot: README.md starts with the two commands,
// its configuration tables list every setting the programs declare (flag,
// environment variable, default), the bench table markers are there, and every
// relative link of the README and docs/ points to a file that exists.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import type { SettingSpec } from "../../../libs/settings/load.ts";
import { SETTINGS } from "../../../services/control-plane/settings.ts";
import { GATEWAY_SETTING_SPECS } from "../../../services/gateway/settings.ts";
import { REPO } from "./bin-settings.ts";

const readme = readFileSync(join(REPO, "README.md"), "utf8");

test("README.md starts with the two commands: npm run demo, then npm test", () => {
  const lines = readme.split("\n");
  assert.match(lines[0] ?? "", /^# /);
  const firstContent = lines.slice(1).find((l) => l.trim() !== "");
  assert.equal(firstContent, "```sh");
  const block = lines.slice(lines.indexOf("```sh") + 1, lines.indexOf("```", 3));
  assert.match(block[0] ?? "", /^npm run demo\s+# /);
  assert.match(block[1] ?? "", /^npm test\s+# /);
});

/** The rows of the markdown table under `heading` (until the next heading). */
function tableRows(heading: string): string[] {
  const start = readme.indexOf(`\n${heading}\n`);
  assert.ok(start >= 0, `README has no heading ${heading}`);
  const rest = readme.slice(start + heading.length + 2);
  const end = rest.search(/\n#{1,3} /);
  return (end < 0 ? rest : rest.slice(0, end)).split("\n").filter((l) => l.startsWith("| `"));
}

/** The tree key a README row names for a spec (the flag-only vipPoolFlags is `vipPools`). */
function keyWord(spec: SettingSpec): string {
  return spec.path === "vipPoolFlags" ? "vipPools" : (spec.path.split(".").pop() ?? spec.path);
}

const TABLES = [
  { heading: "### Control plane (`lbaas-control-plane`)", specs: SETTINGS },
  { heading: "### Gateway (`lbaas-gateway`)", specs: GATEWAY_SETTING_SPECS },
];

for (const { heading, specs } of TABLES) {
  test(`README ${heading}: every setting with its flag, environment variable and default`, () => {
    const rows = tableRows(heading);
    assert.ok(rows.length > 10);
    for (const spec of specs) {
      const row = rows.find((r) => r.includes(`\`--${spec.flag}`));
      assert.ok(row !== undefined, `--${spec.flag} (${spec.path}) is not in the table`);
      assert.ok(row.includes(keyWord(spec)), `${spec.path}: key missing in ${row}`);
      if (spec.env !== undefined) assert.ok(row.includes(`\`${spec.env}\``), `${spec.env}: ${row}`);
      const fallback = /\(default ([^);]+)[);]/.exec(spec.help)?.[1];
      if (fallback !== undefined)
        assert.ok(row.includes(fallback), `${spec.path}: default ${fallback} not in ${row}`);
    }
  });
}

test("README holds the bench table markers for the lead", () => {
  const begin = readme.indexOf("<!-- bench:begin -->");
  const end = readme.indexOf("<!-- bench:end -->");
  assert.ok(begin >= 0 && end > begin);
  assert.match(readme.slice(begin, end), /\| [^|]+ \| [^|]+ \|/);
});

test("relative links of README.md and docs/*.md point to files that exist", () => {
  const files = [
    "README.md",
    ...readdirSync(join(REPO, "docs"))
      .filter((f) => f.endsWith(".md"))
      .map((f) => `docs/${f}`),
  ];
  for (const file of files) {
    // Code spans and blocks are not links (`[a-z]([a-z-]{0,61})` is a pattern).
    const text = readFileSync(join(REPO, file), "utf8")
      .replace(/```[\s\S]*?```/g, "")
      .replace(/`[^`\n]*`/g, "");
    for (const m of text.matchAll(/\]\(([^)#\s]+)(#[^)]*)?\)/g)) {
      const target = m[1] ?? "";
      if (/^[a-z]+:/.test(target)) continue; // http:, https:, mailto:
      assert.ok(existsSync(join(REPO, dirname(file), target)), `${file}: broken link ${target}`);
    }
  }
});
