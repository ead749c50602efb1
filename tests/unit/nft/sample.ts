// A sample inventory exercising every feature; tests/fixtures/nft/smoke*.json
// hold what nft 1.0.6 listed after loading its full render with default settings.
import type { Inventory } from "../../../libs/domain/model.ts";
import { inventory, policy, service } from "./inventory-builder.ts";

export const SAMPLE: Inventory = inventory(
  [
    service({
      id: "web",
      vips: ["203.0.113.10", "2001:db8::10"],
      ports: [{ protocol: "tcp", port: 80, targetPort: 8080 }],
      sourceRanges: ["198.51.100.0/24"],
      endpoints: [
        { address: "192.0.2.11" },
        { address: "192.0.2.12", weight: 2 },
        { address: "192.0.2.13", state: "draining" },
        { address: "2001:db8::11" },
      ],
    }),
    service({
      id: "dns",
      vips: ["203.0.113.11"],
      ports: [{ protocol: "udp", port: 53 }],
      scheduler: "random",
      snat: false,
      endpoints: [{ address: "192.0.2.21" }, { address: "192.0.2.22" }],
    }),
    service({
      id: "sh",
      vips: ["203.0.113.12"],
      scheduler: "source-hash",
      sessionAffinity: { timeoutSeconds: 600 },
      endpoints: [{ address: "192.0.2.31" }, { address: "192.0.2.32", port: 9090 }],
    }),
    service({
      id: "empty",
      vips: ["203.0.113.13", "2001:db8::13"],
      ports: [{ protocol: "sctp", port: 9 }],
    }),
  ],
  [
    policy(
      "web-backends",
      ["192.0.2.11", "192.0.2.12", "2001:db8::11"],
      [
        {
          from: [{ cidr: "198.51.100.0/24", except: ["198.51.100.128/25"] }],
          ports: [
            { protocol: "tcp", port: 8080, endPort: null },
            { protocol: "udp", port: 9000, endPort: 9010 },
          ],
        },
        { from: [], ports: [{ protocol: "tcp", port: null, endPort: null }] },
      ],
    ),
    policy("deny-all", ["192.0.2.12"], []),
  ],
);
