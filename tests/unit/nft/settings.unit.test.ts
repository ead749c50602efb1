import assert from "node:assert/strict";
import { test } from "node:test";
import { DEFAULT_GATEWAY_SETTINGS, validateGatewaySettings } from "../../../libs/nft/settings.ts";

test("settings: absent means defaults; kebab-case and camelCase keys", () => {
  assert.deepEqual(validateGatewaySettings(undefined), {
    ok: true,
    value: DEFAULT_GATEWAY_SETTINGS,
  });
  assert.deepEqual(validateGatewaySettings({}), { ok: true, value: DEFAULT_GATEWAY_SETTINGS });
  const r = validateGatewaySettings({
    "nat-table-name": "lb",
    natPreroutingChain: "pre",
    "filter-table-name": "",
    "enable-snat": false,
    "fwmark-bits": "0x4000",
    "fwmark-mask": 0xc000,
  });
  assert.deepEqual(r, {
    ok: true,
    value: {
      ...DEFAULT_GATEWAY_SETTINGS,
      natTableName: "lb",
      natPreroutingChain: "pre",
      filterTableName: "",
      enableSnat: false,
      fwmarkBits: 0x4000,
      fwmarkMask: 0xc000,
    },
  });
});

const BAD: Array<[unknown, Array<[string, RegExp]>]> = [
  ["nope", [["", /must be an object/]]],
  [{ "nat-table-name": "tcp" }, [["nat-table-name", /is an nft keyword/]]],
  [{ "nat-table-name": "a b" }, [["nat-table-name", /is not a name/]]],
  [
    { "nat-prerouting-chain": "svc-x" },
    [["nat-prerouting-chain", /reserved for generated chains/]],
  ],
  [{ "filter-forward-chain": "" }, [["filter-forward-chain", /is not a name/]]],
  [{ "enable-snat": "yes" }, [["enable-snat", /is not a boolean/]]],
  [{ "fwmark-bits": 0 }, [["fwmark-bits", /must be non-zero/]]],
  [{ "fwmark-bits": 0x3, "fwmark-mask": 0x1 }, [["fwmark-bits", /outside fwmark-mask/]]],
  [{ "fwmark-mask": "0x1zz" }, [["fwmark-mask", /is not a 32-bit mask/]]],
  [{ "fwmark-mask": 2 ** 33 }, [["fwmark-mask", /is not a 32-bit mask/]]],
  [{ "filter-table-name": "lbaas" }, [["filter-table-name", /must differ from nat-table-name/]]],
  [{ "nat-postrouting-chain": "prerouting" }, [["nat-postrouting-chain", /must differ/]]],
  [{ "nat-table": "x" }, [["nat-table", /unknown key/]]],
];

for (const [raw, expected] of BAD)
  test(`settings: ${JSON.stringify(raw)} is refused with field errors`, () => {
    const r = validateGatewaySettings(raw);
    assert.equal(r.ok, false);
    if (r.ok) return;
    assert.equal(r.problems.length, expected.length, JSON.stringify(r.problems));
    expected.forEach(([path, message], i) => {
      assert.equal(r.problems[i]?.path, path);
      assert.match(r.problems[i]?.message ?? "", message);
    });
  });

test("settings: every problem is reported at once", () => {
  const r = validateGatewaySettings({
    "nat-table-name": "tcp",
    "enable-snat": 1,
    "fwmark-bits": 0,
  });
  assert.equal(r.ok ? 0 : r.problems.length, 3);
});
