// The rulesets a benchmark compares, each as a function from an inventory to a
// complete `nft -f` script that replaces the tables it owns.
import type { Inventory } from "../../libs/domain/model.ts";
import { renderKubeProxyLayout } from "./kube-proxy-layout.ts";
import { renderSeedLayout } from "./seed-layout.ts";

/** A named way of laying an inventory out in nftables. */
export interface Layout {
  /** Short name used in result rows: "ours", "kube-proxy", "seed". */
  readonly name: string;
  /** The full script; must not throw for a valid inventory. */
  render(inventory: Inventory): string;
}

/** kube-proxy's layout (bench/layouts/kube-proxy-layout.ts). */
export const kubeProxyLayout: Layout = {
  name: "kube-proxy",
  render: (i) => renderKubeProxyLayout(i),
};

/** The seed's linear layout (bench/layouts/seed-layout.ts). */
export const seedLayout: Layout = { name: "seed", render: (i) => renderSeedLayout(i) };
