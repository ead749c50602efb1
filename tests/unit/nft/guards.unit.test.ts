// The name and label guards check with loops over character codes; they must
// accept exactly what the documented regular expressions accept.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  guardLabel,
  guardName,
  guardObjectName,
  NAME_MAX,
} from "../../../libs/nft/render/guards.ts";
import { isRenderError } from "../../../libs/nft/render/errors.ts";
import { NFT_KEYWORDS } from "../../../libs/nft/render/keywords.ts";

const NAME_RE = /^[A-Za-z][A-Za-z0-9_.-]*$/;
const LABEL_RE = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

function accepts(check: () => unknown): boolean {
  try {
    check();
    return true;
  } catch (err) {
    assert.ok(isRenderError(err), String(err));
    return false;
  }
}

// Characters around every boundary of the allowed ranges, plus some others.
const edgy = fc.constantFrom(..."@AZ[`az{/09:-._ \n;\"'\u0141\u00e9".split(""));
const names = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.string({ unit: edgy, maxLength: 12 }),
  fc.stringMatching(/^[A-Za-z][A-Za-z0-9_.-]{0,10}$/),
  fc.stringMatching(/^[a-z0-9-]{1,70}$/),
  fc.constantFrom(
    "tcp",
    "ip",
    "a".repeat(NAME_MAX),
    "a".repeat(NAME_MAX + 1),
    "a".repeat(63),
    "a".repeat(64),
  ),
);

test("guardName and guardObjectName accept exactly the safe-name shape, keywords refused", () => {
  fc.assert(
    fc.property(names, (name) => {
      const expected = NAME_RE.test(name) && name.length <= NAME_MAX && !NFT_KEYWORDS.has(name);
      assert.equal(
        accepts(() => guardName(name, "x")),
        expected,
        JSON.stringify(name),
      );
      assert.equal(
        accepts(() => guardObjectName("chain", name)),
        expected,
        JSON.stringify(name),
      );
    }),
    { numRuns: 5000 },
  );
});

test("guardLabel accepts exactly dns labels", () => {
  fc.assert(
    fc.property(names, (label) => {
      assert.equal(
        accepts(() => guardLabel(label, "x")),
        LABEL_RE.test(label),
        JSON.stringify(label),
      );
    }),
    { numRuns: 5000 },
  );
});
