import { test } from "node:test";
import assert from "node:assert/strict";
import { formatProblems, isValidationError, ValidationError } from "../../../libs/domain/errors.ts";

test("errors - ValidationError carries every problem and lists them in its message", () => {
  const err = new ValidationError(
    [
      { path: "services[2].ports[0].port", message: "70000 is not a port (1-65535)" },
      { path: "", message: "null is not an inventory (an object)" },
    ],
    "inventory",
  );
  assert.equal(err.code, "invalid_input");
  assert.equal(err.name, "ValidationError");
  assert.equal(err.problems.length, 2);
  assert.equal(
    err.message,
    "invalid inventory (2 problems):\n" +
      "  services[2].ports[0].port: 70000 is not a port (1-65535)\n" +
      "  null is not an inventory (an object)",
  );
  assert.ok(isValidationError(err));
});

test("errors - the predicate is structural and rejects look-alikes", () => {
  const foreign = Object.assign(new Error("x"), { code: "invalid_input", problems: [] });
  assert.ok(isValidationError(foreign));
  for (const other of [
    new Error("invalid_input"),
    Object.assign(new Error("x"), { code: "invalid_input" }),
    Object.assign(new Error("x"), { code: "version_conflict", problems: [] }),
    { code: "invalid_input", problems: [] },
    null,
    "invalid_input",
  ]) {
    assert.equal(isValidationError(other), false);
  }
});

test("errors - long problem lists are cut in the message, never in the data", () => {
  const problems = Array.from({ length: 25 }, (_, i) => ({ path: `x[${i}]`, message: "bad" }));
  const text = formatProblems(problems);
  assert.equal(text.split("\n").length, 21);
  assert.match(text, /… and 5 more$/);
  assert.equal(new ValidationError(problems).problems.length, 25);
  assert.equal(formatProblems([]), "");
});
