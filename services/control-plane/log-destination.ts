// Where the control plane's log lines go by default: stdout, in batches. Every request
// logs one line, and one write(2) per line (through libuv's thread pool) cost the
// process more CPU than building the line. Lines gather until 8 KiB or at most
// 50 ms after the first of a batch; pino's exit hook writes what is left when the
// process exits (also on process.exit and after a fatal error).
import { pino } from "pino";

/** Batch size that triggers a write at once. */
const BATCH_BYTES = 8 * 1024;
/** Longest a line waits for its batch. */
const BATCH_MS = 50;

/**
 * A pino destination writing to file descriptor `fd` (default stdout) in batches
 * (see the file comment). Never throws on write; a closed pipe ends logging quietly
 * (pino's own handling of EPIPE).
 */
export function batchedDestination(fd = 1): { write(line: string): void } {
  const dest = pino.destination({ dest: fd, sync: false, minLength: BATCH_BYTES });
  let timer: NodeJS.Timeout | null = null;
  const flush = (): void => {
    timer = null;
    try {
      dest.flush();
    } catch {
      // destroyed (the process is exiting): pino's exit hook has written the rest
    }
  };
  return {
    write(line: string): void {
      dest.write(line);
      timer ??= setTimeout(flush, BATCH_MS).unref();
    },
  };
}
