// Equality of canonical specs: what "unchanged" means for a write or a sync.
//
// Validators return canonical values (defaults filled, addresses canonical, sets
// sorted), so two inputs that mean the same thing are equal here; the comparison
// sorts object keys so it never depends on the order in which a value was built.

/** JSON text of `value` with object keys sorted at every level. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v === null || typeof v !== "object" || Array.isArray(v)) return v;
    const obj = v as Record<string, unknown>;
    return Object.fromEntries(
      Object.keys(obj)
        .sort()
        .map((k) => [k, obj[k]]),
    );
  });
}

/**
 * True when two specs (or nulls) are the same canonical value. Specs built by the
 * same validators have the same key order, so plain JSON text settles most cases;
 * the key-sorted comparison runs only when the texts differ.
 */
export function sameSpec(a: unknown, b: unknown): boolean {
  return (
    a === b || JSON.stringify(a) === JSON.stringify(b) || canonicalJson(a) === canonicalJson(b)
  );
}
