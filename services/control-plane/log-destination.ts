// Where the control plane's log lines go by default: stdout, in batches. Every request
// logs one line, and one write(2) per line (through libuv's thread pool) cost the
// process more CPU than building the line. Lines gather here until 8 KiB or at most
// 50 ms after the first of a batch, then go to pino's asynchronous destination as
// one string. (Handing it every line costs more: it measures its whole pending
// buffer in bytes on each write, a few µs per line at 8 KiB.) What is still here
// when the process exits is written synchronously, after what the destination held
// (pino's exit hook also flushes the destination, on process.exit and after a fatal
// error).
import { writeSync } from "node:fs";
import { pino } from "pino";

/** Batch size (in UTF-16 code units, ≈ bytes for log lines) that triggers a write at once. */
const BATCH_SIZE = 8 * 1024;
/** Longest a line waits for its batch. */
const BATCH_MS = 50;

/** The exit steps of every destination, run by one pair of process listeners. */
const open = new Set<{ hand(): void; atExit(): void }>();

function listenForExit(): void {
  if (open.size > 0) return;
  // beforeExit: the loop is empty, so an asynchronous write still completes.
  process.on("beforeExit", () => open.forEach((d) => d.hand()));
  process.on("exit", () => open.forEach((d) => d.atExit()));
}

/**
 * A pino destination writing to file descriptor `fd` (default stdout) in batches
 * (see the file comment). Lines keep their order. Never throws on write; a closed
 * pipe ends logging quietly (pino's own handling of EPIPE).
 */
export function batchedDestination(fd = 1): { write(line: string): void } {
  const dest = pino.destination({ dest: fd, sync: false });
  let pending: string[] = [];
  let size = 0;
  let timer: NodeJS.Timeout | null = null;
  const take = (): string => {
    if (timer !== null) clearTimeout(timer);
    timer = null;
    const text = pending.join("");
    pending = [];
    size = 0;
    return text;
  };
  const hand = (): void => {
    if (pending.length === 0) return;
    const text = take();
    try {
      dest.write(text);
    } catch {
      // destroyed (the process is exiting): the exit hook writes what is left
    }
  };
  const atExit = (): void => {
    try {
      dest.flushSync();
    } catch {
      // not open yet, destroyed, or a closed pipe: nothing more can be written there
    }
    if (pending.length === 0) return;
    try {
      writeSync(fd, take());
    } catch {
      // a closed pipe: the lines are lost, as pino would lose them
    }
  };
  listenForExit();
  open.add({ hand, atExit });
  return {
    write(line: string): void {
      pending.push(line);
      size += line.length;
      if (size >= BATCH_SIZE) hand();
      else timer ??= setTimeout(hand, BATCH_MS).unref();
    },
  };
}
