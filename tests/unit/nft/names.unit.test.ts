// Generated names and dispatch keys: the cached tails give exactly the text of
// the plain templates, also past the cache's bound.
import assert from "node:assert/strict";
import { test } from "node:test";
import { PROTOCOLS } from "../../../libs/domain/model.ts";
import { dispatchKey, serviceChainName } from "../../../libs/nft/render/names.ts";

test("service chain names and dispatch keys: the templates' text for every protocol, port and family", () => {
  // 3 protocols × 2,000 ports × 3 kinds of tail = 18,000 tails: past the 4,096 kept.
  for (let round = 0; round < 2; round++)
    for (const protocol of PROTOCOLS)
      for (let port = 1; port <= 65535; port += 33)
        for (const family of ["v4", "v6"] as const) {
          assert.equal(
            serviceChainName("web", protocol, port, family),
            `svc-web-${protocol}-${port}-${family}`,
          );
          assert.equal(
            dispatchKey("192.0.2.1", protocol, port),
            `192.0.2.1 . ${protocol} . ${port}`,
          );
        }
});
