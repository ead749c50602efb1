// A small accumulator for one table: chains and sets in insertion order.
import type { BaseChainSpec, ChainModel, SetModel, TableModel } from "./model.ts";
import { RenderError } from "./errors.ts";
import { guardName } from "./guards.ts";

/** Mutable builder used only while rendering; `build()` freezes the result. */
export class TableBuilder {
  readonly name: string;
  private readonly chains = new Map<string, ChainModel>();
  private readonly sets = new Map<string, SetModel>();

  constructor(name: string) {
    this.name = guardName(name, "table");
  }

  /** Adds a chain; a second chain of the same name is a bug and throws. */
  chain(name: string, base: BaseChainSpec | null, rules: readonly string[]): void {
    guardName(name, () => `chain ${name}`);
    if (this.chains.has(name)) throw new Error(`duplicate chain ${JSON.stringify(name)}`);
    this.chains.set(name, { name, base, rules });
  }

  /** Adds a set or map; elements are inserted in ascending key order. */
  set(
    spec: Omit<SetModel, "elements"> & {
      elements: ReadonlyArray<readonly [string, string | null]>;
    },
  ): void {
    guardName(spec.name, () => `set ${spec.name}`);
    if (this.sets.has(spec.name)) throw new Error(`duplicate set ${JSON.stringify(spec.name)}`);
    const sorted = [...spec.elements].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    for (let i = 1; i < sorted.length; i++)
      if (sorted[i]?.[0] === sorted[i - 1]?.[0])
        throw new RenderError(
          "duplicate_key",
          `set ${spec.name}`,
          `${JSON.stringify(sorted[i]?.[0])} is declared twice (two services on one vip and port?)`,
        );
    this.sets.set(spec.name, { ...spec, elements: new Map(sorted) });
  }

  build(): TableModel {
    return { family: "inet", name: this.name, chains: this.chains, sets: this.sets };
  }
}
