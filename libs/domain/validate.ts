// Validation: untrusted input (parsed JSON/YAML, decoded events) → the domain types of
// model.ts, or every problem with its field path. Validators never throw on bad
// input, and their output is canonical (defaults filled, addresses in canonical text,
// sets sorted), so two inputs that mean the same thing give equal JSON.
//
// The rules themselves live in one file per object; this module is the entry point.
export { isDnsLabel, type Validation } from "./input.ts";
export * from "./limits.ts";
export { validateEndpoints } from "./validate-endpoints.ts";
export { validateInventory } from "./validate-inventory.ts";
export { validatePolicy } from "./validate-policy.ts";
export { validateService } from "./validate-service.ts";
