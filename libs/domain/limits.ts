// Size limits enforced by validation, with the reasoning for each number.
//
// They bound the work one request or one event can cause (validation, rendering,
// nft load time) and keep every event far below JetStream's default 1 MB message
// limit: the largest service (16 VIPs, 64 ports, 256 ranges) is ~12 KB on the wire,
// the largest endpoints list (1,000 IPv6 endpoints) ~50 KB, the largest policy
// (1,024 targets, 64 rules of 256 blocks) would be larger, so policies are bounded
// by MAX_POLICY_BLOCKS in total as well.

/** Services in one inventory: the product target is 10,000 per fleet; 10× headroom. */
export const MAX_SERVICES = 100_000;
/** Policies in one inventory. */
export const MAX_POLICIES = 100_000;
/** VIPs per service: dual-stack plus a few anycast/secondary addresses. */
export const MAX_VIPS = 16;
/** Ports per service (Kubernetes allows more, but 64 covers every real service). */
export const MAX_PORTS = 64;
/** Client CIDRs per service (an nft interval set; 256 keeps one event small). */
export const MAX_SOURCE_RANGES = 256;
/** Endpoints per service: one EndpointsReplaced event stays ~50 KB. */
export const MAX_ENDPOINTS = 1_000;
/** Endpoints in a whole inventory file (sum over services). */
export const MAX_INVENTORY_ENDPOINTS = 1_000_000;
/** Target addresses per policy. */
export const MAX_TARGETS = 1_024;
/** Ingress rules per policy. */
export const MAX_INGRESS_RULES = 64;
/** Source blocks per ingress rule. */
export const MAX_FROM_BLOCKS = 256;
/** `except` blocks per source block. */
export const MAX_EXCEPT = 64;
/** Port entries per ingress rule. */
export const MAX_POLICY_PORTS = 64;
/** Source blocks plus except blocks over all rules of one policy (~100 KB on the wire). */
export const MAX_POLICY_BLOCKS = 2_048;

/** Session affinity timeout bounds in seconds (1 s to 1 day), and the default (3 h). */
export const MIN_AFFINITY_SECONDS = 1;
export const MAX_AFFINITY_SECONDS = 86_400;
export const DEFAULT_AFFINITY_SECONDS = 10_800;

/** Endpoint weight bounds and default. */
export const MIN_WEIGHT = 1;
export const MAX_WEIGHT = 100;
export const DEFAULT_WEIGHT = 1;
