// The CLI commands: flags, file errors naming the field, exit codes.
import assert from "node:assert/strict";
import { test } from "node:test";
import { runApplyLocal } from "../../../services/cli/apply-local.ts";
import { parseFlags } from "../../../services/cli/args.ts";
import { runRender } from "../../../services/cli/render.ts";

const FIXTURES = new URL("../../fixtures/nft/", import.meta.url).pathname;

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return {
    io: { stdout: (t: string) => out.push(t), stderr: (t: string) => err.push(t) },
    out,
    err,
  };
}

test("flags: values, aliases, switches and errors that name the flag", () => {
  const spec = {
    values: ["file", "group"],
    switches: ["check"],
    aliases: { "-f": "--file" },
    required: ["file"],
  };
  const ok = parseFlags(["-f", "a.yaml", "--group=g1", "--check"], spec);
  assert.ok(ok.ok);
  assert.equal(ok.values.get("file"), "a.yaml");
  assert.equal(ok.values.get("group"), "g1");
  assert.ok(ok.switches.has("check"));
  const errors: Array<[string[], string]> = [
    [["--group", "g"], "--file is required"],
    [["-f"], "--file needs a value"],
    [["-f", "a", "--file", "b"], "--file given twice"],
    [["-f", "a", "--nope"], 'unknown flag "--nope"'],
    [["-f", "a", "extra"], 'unexpected argument "extra"'],
    [["-f", "a", "--check=1"], "--check takes no value"],
  ];
  for (const [argv, message] of errors)
    assert.deepEqual(parseFlags(argv, spec), { ok: false, error: message });
});

test("render: prints the script of the issue's example", async () => {
  const c = capture();
  assert.equal(await runRender(["-f", `${FIXTURES}inventory.yaml`], c.io), 0);
  const script = c.out.join("");
  assert.match(script, /^add table inet lbaas\n/);
  // a chain's rules print as one block (libs/nft/render/script.ts, ruleRunAsBlock)
  assert.match(
    script,
    /\nadd chain inet lbaas svc-web-tcp-80-v4 \{\n\tip saddr != 198\.51\.100\.0\/24 drop\n/,
  );
  assert.match(script, /\n\tmeta l4proto tcp numgen inc mod 3 < 1 dnat ip to 192\.0\.2\.11:8080\n/);
  assert.match(
    script,
    /add chain inet lbaas-filter pol-web-backends \{\n\tip saddr 198\.51\.100\.0\/24 ip saddr != 198\.51\.100\.128\/25 tcp dport 8080 accept\n/,
  );
});

test("render: gateway config and group filter", async () => {
  const c = capture();
  assert.equal(
    await runRender(
      [
        "-f",
        `${FIXTURES}inventory.yaml`,
        "--gateway-config",
        `${FIXTURES}gateway.yaml`,
        "--group",
        "other",
      ],
      c.io,
    ),
    0,
  );
  const script = c.out.join("");
  assert.match(script, /^add table inet lb-nat\n/);
  assert.doesNotMatch(script, /svc-web/);
  assert.match(script, /add rule inet lb-nat lb-dnat .*meta mark & 0xffff00ff \| 0x00000100/);
});

test("render: bad flags and files exit 2 with the flag or field named", async () => {
  const cases: Array<[string[], RegExp]> = [
    [[], /--file is required/],
    [["-f", `${FIXTURES}nope.yaml`], /nope\.yaml: cannot read: no such file/],
    [["-f", `${FIXTURES}smoke.nft`], /smoke\.nft: /],
    [
      ["-f", `${FIXTURES}inventory.yaml`, "--gateway-config", `${FIXTURES}inventory.yaml`],
      /unknown key "services"/,
    ],
  ];
  for (const [argv, message] of cases) {
    const c = capture();
    assert.equal(await runRender(argv, c.io), 2, argv.join(" "));
    assert.match(c.err.join(""), message);
  }
});

test("apply-local: refuses bad namespace names before touching anything", async () => {
  const c = capture();
  assert.equal(await runApplyLocal(["-f", `${FIXTURES}inventory.yaml`, "--netns", "a b"], c.io), 2);
  assert.match(c.err.join(""), /--netns: "a b" is not a namespace name/);
  const d = capture();
  assert.equal(await runApplyLocal(["-f", `${FIXTURES}inventory.yaml`], d.io), 2);
  assert.match(d.err.join(""), /--netns is required/);
});
