import assert from "node:assert/strict";
import { test } from "node:test";
import { classifyStderr } from "../../../libs/nft/errors.ts";

// nft prints English whatever the locale; these are the texts nft 1.0.6 printed here.
const CASES: Array<[string, string]> = [
  [
    "/dev/stdin:1:22-28: Error: Could not process rule: No such file or directory",
    "object_not_found",
  ],
  [
    "/dev/stdin:1:16-19: Error: No such file or directory\nadd chain inet nope c",
    "object_not_found",
  ],
  ["/dev/stdin:1:38-39: Error: Could not process rule: File exists", "exists"],
  ["/dev/stdin:1:15-17: Error: syntax error, unexpected tcp, expecting string", "syntax_error"],
  ["/dev/stdin:5:100-105: Error: datatype mismatch, map expects concatenation", "syntax_error"],
  ["Error: Could not process rule: Device or resource busy", "failed"],
  ["netlink: Error: cache initialization failed: Operation not permitted", "permission_denied"],
  ['Cannot open network namespace "x": No such file or directory', "netns_not_found"],
  [
    "nft: netlink_linearize.c:799: netlink_gen_expr: Assertion `dreg < ctx->reg_low' failed.",
    "failed",
  ],
];

for (const [stderr, code] of CASES)
  test(`classifyStderr: ${code} from ${JSON.stringify(stderr.slice(0, 50))}`, () => {
    assert.equal(classifyStderr(stderr), code);
  });
