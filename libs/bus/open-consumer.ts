// Creating the ordered consumer of one round of a read, through the moments a
// cluster has no leader.
import { setTimeout as sleep } from "node:timers/promises";
import { AckPolicy, DeliverPolicy } from "@nats-io/jetstream";
import type {
  Consumer,
  ConsumerConfig,
  JetStreamClient,
  OrderedConsumerOptions,
} from "@nats-io/jetstream";
import { nanos, nuid } from "@nats-io/transport-node";
import { isJetStreamApiError, toBusError } from "./errors.ts";

/** Where a round starts: the last message of each subject, or a stream sequence. */
export type Start = { readonly lastPerSubject: true } | { readonly startSeq: number };

/** A bounded read gives up on a cluster without leader after this long. */
const BOUNDED_RETRY_MS = 30_000;

/**
 * Creates an ordered consumer on `stream` for `filterSubject` from `start` (with
 * `opts.plain`: the same server-side consumer as a plain pull consumer, which the
 * client does not watch for order: the caller checks delivery sequences).
 * Transient failures (no answer in time, no responders, "jetstream system
 * temporarily unavailable" while a cluster elects a leader) are retried with a
 * delay growing to 5 s: forever for an endless read, for 30 s for a bounded one.
 * Returns null when `signal` aborts meanwhile. Other failures: `BusError`
 * `no_stream` (stream not found), `read_failed`, or the last `timeout`.
 */
export async function openConsumer(
  js: JetStreamClient,
  stream: string,
  filterSubject: string,
  start: Start,
  opts: {
    readonly bounded: boolean;
    readonly signal?: AbortSignal | undefined;
    readonly plain?: boolean;
  },
): Promise<Consumer | null> {
  const what = `read ${stream} ${JSON.stringify(filterSubject)}`;
  const deadline = Date.now() + BOUNDED_RETRY_MS;
  for (let delay = 250; ; delay = Math.min(delay * 2, 5_000)) {
    try {
      if (opts.plain !== true)
        return await js.consumers.get(stream, consumerOptions(filterSubject, start));
      const jsm = await js.jetstreamManager();
      const ci = await jsm.consumers.add(stream, plainConfig(filterSubject, start));
      return js.consumers.getConsumerFromInfo(ci);
    } catch (err) {
      const e = toBusError(err, "read_failed", what);
      const transient =
        e.code === "timeout" ||
        (e.code === "no_stream" && !isJetStreamApiError(err, 10059)) ||
        isJetStreamApiError(err, 10008);
      if (!transient || (opts.bounded && Date.now() + delay > deadline)) throw e;
    }
    await sleep(delay, undefined, opts.signal ? { signal: opts.signal } : {}).catch(() => null);
    if (opts.signal?.aborted === true) return null;
  }
}

function consumerOptions(filterSubject: string, start: Start): Partial<OrderedConsumerOptions> {
  // A string, never an array: filter_subjects arrays need 2.10.
  const options: Partial<OrderedConsumerOptions> = { filter_subjects: filterSubject };
  if ("lastPerSubject" in start) options.deliver_policy = DeliverPolicy.LastPerSubject;
  else if (start.startSeq <= 1) options.deliver_policy = DeliverPolicy.All;
  else options.opt_start_seq = start.startSeq;
  return options;
}

/** What the client creates for an ordered consumer (nats.js 3.4.0), under our own name. */
function plainConfig(filterSubject: string, start: Start): Partial<ConsumerConfig> {
  const config: Partial<ConsumerConfig> = {
    name: `lbaas_read_${nuid.next()}`,
    filter_subject: filterSubject,
    ack_policy: AckPolicy.None,
    max_deliver: 1,
    mem_storage: true,
    num_replicas: 1,
    inactive_threshold: nanos(5 * 60 * 1000),
  };
  if ("lastPerSubject" in start) config.deliver_policy = DeliverPolicy.LastPerSubject;
  else if (start.startSeq <= 1) config.deliver_policy = DeliverPolicy.All;
  else {
    config.deliver_policy = DeliverPolicy.StartSequence;
    config.opt_start_seq = start.startSeq;
  }
  return config;
}
