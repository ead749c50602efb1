// A TCP proxy between NATS clients and one server that can drop chosen messages
// of the server → client stream, e.g. the "408 Request Timeout" that ends a pull.
// That is what nats-server 2.9.10 itself does now and then (an expired pull is
// removed without its 408 when a message arrives before the expiry timer ran),
// here on demand: the client is left believing its pull is still open.
//
// Client → server bytes pass untouched. Server → client bytes are parsed just
// enough to find message boundaries: `MSG <subject> <sid> [reply] <size>` and
// `HMSG <subject> <sid> [reply] <header size> <total size>` are followed by their
// payload and CRLF; every other protocol line (INFO, PING, PONG, +OK, -ERR) is one line.
import { createServer, connect as tcpConnect } from "node:net";
import type { Server, Socket } from "node:net";

export interface DroppingProxy {
  /** `nats://127.0.0.1:<port>` to connect clients to. */
  readonly url: string;
  /**
   * Drops the next server → client HMSG whose header block (starting with
   * `NATS/1.0 <status>`) satisfies `matches`; resolves when it was dropped.
   */
  dropNext(matches: (headers: string) => boolean): Promise<void>;
  close(): Promise<void>;
}

/** Starts a proxy to the server at `serverUrl` (`nats://host:port`, no TLS). */
export async function startDroppingProxy(serverUrl: string): Promise<DroppingProxy> {
  const target = new URL(serverUrl);
  const sockets = new Set<Socket>();
  const armed: { matches: (headers: string) => boolean; dropped: () => void }[] = [];
  const server: Server = createServer((client) => {
    const upstream = tcpConnect(Number(target.port), target.hostname);
    sockets.add(client).add(upstream);
    for (const s of [client, upstream]) {
      s.on("error", () => undefined);
      s.on("close", () => {
        client.destroy();
        upstream.destroy();
        sockets.delete(s);
      });
    }
    client.pipe(upstream);
    const parser = new ServerStream((frame, headers) => {
      const i = headers === null ? -1 : armed.findIndex((a) => a.matches(headers));
      if (i === -1) return void client.write(frame);
      armed.splice(i, 1)[0]?.dropped();
    });
    upstream.on("data", (chunk: Buffer) => parser.push(chunk));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  return {
    url: `nats://127.0.0.1:${port}`,
    dropNext: (matches) => new Promise((dropped) => armed.push({ matches, dropped })),
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** Splits the server → client byte stream into whole protocol frames. */
class ServerStream {
  private buffer: Buffer = Buffer.alloc(0);
  private readonly emit: (frame: Buffer, headers: string | null) => void;

  constructor(emit: (frame: Buffer, headers: string | null) => void) {
    this.emit = emit;
  }

  push(chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    for (;;) {
      const eol = this.buffer.indexOf("\r\n");
      if (eol === -1) return;
      const line = this.buffer.subarray(0, eol).toString("latin1");
      const args = line.split(" ");
      const verb = args[0]?.toUpperCase();
      const total = verb === "MSG" || verb === "HMSG" ? Number(args.at(-1)) : -1;
      const size = total === -1 ? eol + 2 : eol + 2 + total + 2;
      if (this.buffer.length < size) return; // wait for the rest of the payload
      const frame = this.buffer.subarray(0, size);
      const headerSize = verb === "HMSG" ? Number(args.at(-2)) : 0;
      const headers = headerSize > 0 ? frame.subarray(eol + 2, eol + 2 + headerSize) : null;
      this.emit(Buffer.from(frame), headers === null ? null : headers.toString("latin1"));
      this.buffer = this.buffer.subarray(size);
    }
  }
}
