// The control plane's per-write metrics counted as plain numbers. Every write updates
// two histograms and two counters, and prom-client's labelled observe/inc convert,
// check and hash the labels on each call (its histogram observe was the largest
// single JavaScript cost of a write after the router). Here a label set is found
// through one Map per label, keyed by the values the callers pass again and again
// (methods, route patterns, status numbers: hashed once), and a histogram
// observation is one bucket search.
//
// prom-client still exposes them, in its text format: a CounterTally adds its counts
// to a prom-client Counter at each scrape (the counter's collect hook); a
// HistogramTally is a metric of the registry itself (prom-client's registry reads a
// metric through `name`, `type`, `get()` and `reset()` only).
import { Counter, type Histogram, type LabelValues, type Registry } from "prom-client";

/** Series by label values: one Map level per label name, in the order of `names`. */
class SeriesIndex<L extends string, S> {
  private readonly root = new Map<unknown, unknown>();
  private readonly all: S[] = [];
  private readonly names: readonly L[];
  private readonly make: (labels: LabelValues<L>) => S;

  constructor(names: readonly L[], make: (labels: LabelValues<L>) => S) {
    this.names = names;
    this.make = make;
  }

  /** The series of `labels` (made on first use). */
  of(labels: LabelValues<L>): S {
    let level = this.root;
    const last = this.names.length - 1;
    for (let i = 0; i < last; i++) {
      const value = labels[this.names[i] as L];
      let next = level.get(value) as Map<unknown, unknown> | undefined;
      if (next === undefined) level.set(value, (next = new Map()));
      level = next;
    }
    const value = last < 0 ? "" : labels[this.names[last] as L];
    let series = level.get(value) as S | undefined;
    if (series === undefined) {
      series = this.make(labels);
      level.set(value, series);
      this.all.push(series);
    }
    return series;
  }

  /** Every series, in the order they were first used. */
  values(): readonly S[] {
    return this.all;
  }

  clear(): void {
    this.root.clear();
    this.all.length = 0;
  }
}

interface CountedSeries<L extends string> {
  readonly labels: LabelValues<L>;
  n: number;
}

/** A counter whose increments reach prom-client at scrape time. */
export class CounterTally<L extends string> {
  private readonly series: SeriesIndex<L, CountedSeries<L>>;

  /** Registers a prom-client Counter `name` in `registry`, fed by this tally. */
  constructor(registry: Registry, name: string, help: string, labelNames: readonly L[]) {
    const series = (this.series = new SeriesIndex(labelNames, (labels) => ({
      labels: { ...labels },
      n: 0,
    })));
    new Counter<L>({
      name,
      help,
      labelNames,
      registers: [registry],
      collect() {
        for (const s of series.values()) {
          if (s.n > 0) this.inc(s.labels, s.n);
          s.n = 0;
        }
      },
    });
  }

  /** Adds one for `labels` (a value for every label name of the counter). */
  inc(labels: LabelValues<L>): void {
    this.series.of(labels).n++;
  }
}

/** Label values as the exposition gets them. */
type Labels = Readonly<Record<string, string | number>>;

interface HistogramSeries {
  readonly labels: Labels;
  /** Observations per bucket (not cumulative); the last one is +Inf. */
  readonly counts: Float64Array;
  sum: number;
  count: number;
}

/** A histogram in the registry; the same exposition as a prom-client Histogram. */
export class HistogramTally<L extends string = never> {
  readonly name: string;
  readonly help: string;
  readonly type = "histogram";
  readonly aggregator = "sum";
  private readonly buckets: readonly number[];
  private readonly labelNames: readonly L[];
  private readonly series: SeriesIndex<L, HistogramSeries>;

  /** Registers itself in `registry`; `buckets` ascending upper bounds (+Inf is added). */
  constructor(
    registry: Registry,
    config: { name: string; help: string; buckets: readonly number[]; labelNames?: readonly L[] },
  ) {
    this.name = config.name;
    this.help = config.help;
    this.buckets = config.buckets;
    this.labelNames = config.labelNames ?? [];
    this.series = new SeriesIndex(this.labelNames, (labels) => ({
      labels: { ...labels } as Labels,
      counts: new Float64Array(this.buckets.length + 1),
      sum: 0,
      count: 0,
    }));
    // Like prom-client, a histogram without labels shows its zeros from the start.
    if (this.labelNames.length === 0) this.series.of({});
    registry.registerMetric(this as unknown as Histogram<L>);
  }

  /** Records `value` (seconds) for `labels` (a value for every label name). */
  observe(labels: LabelValues<L>, value: number): void {
    const s = this.series.of(labels);
    let i = 0;
    while (i < this.buckets.length && value > (this.buckets[i] as number)) i++;
    s.counts[i] = (s.counts[i] as number) + 1;
    s.sum += value;
    s.count++;
  }

  /** Forgets every observation (prom-client's registry.resetMetrics). */
  reset(): void {
    this.series.clear();
    if (this.labelNames.length === 0) this.series.of({});
  }

  /** The exposition values, as prom-client's Histogram gives them. */
  get(): {
    name: string;
    help: string;
    type: string;
    aggregator: string;
    values: { labels: Labels; value: number; metricName: string }[];
  } {
    const values: { labels: Labels; value: number; metricName: string }[] = [];
    for (const s of this.series.values()) {
      let cumulative = 0;
      for (let i = 0; i <= this.buckets.length; i++) {
        cumulative += s.counts[i] as number;
        const le = i < this.buckets.length ? (this.buckets[i] as number) : "+Inf";
        values.push({
          labels: { le, ...s.labels },
          value: cumulative,
          metricName: `${this.name}_bucket`,
        });
      }
      values.push({ labels: { ...s.labels }, value: s.sum, metricName: `${this.name}_sum` });
      values.push({ labels: { ...s.labels }, value: s.count, metricName: `${this.name}_count` });
    }
    return {
      name: this.name,
      help: this.help,
      type: this.type,
      aggregator: this.aggregator,
      values,
    };
  }
}
