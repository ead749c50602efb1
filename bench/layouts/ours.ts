// Our layout (libs/nft): the renderer's full-sync transaction printed as a script.
import { renderFull, toScript } from "../../libs/nft/render/index.ts";
import { DEFAULT_GATEWAY_SETTINGS, type GatewaySettings } from "../../libs/nft/settings.ts";
import type { Layout } from "./layouts.ts";

/** Our layout under the given gateway settings (default: the defaults, SNAT on). */
export function ours(settings: GatewaySettings = DEFAULT_GATEWAY_SETTINGS): Layout {
  return { name: "ours", render: (inventory) => toScript(renderFull(inventory, settings).tx) };
}

/** Our layout with default settings. */
export const ourLayout: Layout = ours();
