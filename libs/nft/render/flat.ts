// Flat strings for what the renderer keeps. V8 builds a long template literal
// or `a + b` as a rope (a tree of ConsString nodes): a 70-character rule built
// from a dozen pieces weighs ~350 bytes of heap instead of ~90 flat. The
// committed shadow keeps ~50,000 rules at 10,000 services, and the garbage
// collector copies every surviving object out of the young generation, so ropes
// made rendering spend about half its time in GC. Reading one character makes
// V8 flatten a rope in place (the leftover node is dropped by the next GC).
// The character read is stored in `_sink` so the optimizing compiler cannot drop
// the read as dead code. Other engines are unaffected: this only reads.

let _sink = 0;

/** `s`, flattened in place when it is a rope (V8); returns the same string value. */
export function flat(s: string): string {
  _sink ^= s.charCodeAt(0);
  return s;
}

/** Flattens every string of `list` in place; returns `list`. */
export function flatAll<T extends string[]>(list: T): T {
  for (const s of list) _sink ^= s.charCodeAt(0);
  return list;
}
