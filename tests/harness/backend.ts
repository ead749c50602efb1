// A backend server for tests, run inside a backend namespace:
//
//   ip netns exec NS node_modules/.bin/node tests/harness/backend.ts \
//     --name b1 --tcp 8080,8081 --udp 8080
//
// It answers the line protocol of traffic-protocol.ts on every given TCP and UDP
// port, IPv4 and IPv6, with its name and the peer address it saw. It prints
// "ready" on stdout once every socket listens, and exits on SIGTERM/SIGINT or
// when its stdin closes (so it never outlives the test that started it).
import { createSocket, type Socket as UdpSocket } from "node:dgram";
import { createServer, type Server, type Socket } from "node:net";
import { parseArgs } from "node:util";
import { plainAddress, type BackendReply } from "./traffic-protocol.ts";

const { values } = parseArgs({
  options: {
    name: { type: "string" },
    tcp: { type: "string", default: "" },
    udp: { type: "string", default: "" },
  },
});

function ports(list: string): number[] {
  return list
    .split(",")
    .filter(Boolean)
    .map((p) => {
      const n = Number(p);
      if (!Number.isInteger(n) || n < 1 || n > 65535) throw new Error(`port: ${p} is not a port`);
      return n;
    });
}

const name = values.name;
if (!name) throw new Error("--name is required");
const tcpPorts = ports(values.tcp);
const udpPorts = ports(values.udp);
if (tcpPorts.length + udpPorts.length === 0) throw new Error("give --tcp and/or --udp ports");

function replyLine(socket: Socket): string {
  const reply: BackendReply = {
    backend: name ?? "",
    peer: plainAddress(socket.remoteAddress),
    peerPort: socket.remotePort ?? 0,
    local: plainAddress(socket.localAddress),
    localPort: socket.localPort ?? 0,
    protocol: "tcp",
  };
  return JSON.stringify(reply) + "\n";
}

function onConnection(socket: Socket): void {
  socket.setNoDelay(true);
  let pending = "";
  socket.on("data", (chunk: Buffer) => {
    pending += chunk.toString("latin1");
    let nl: number;
    while ((nl = pending.indexOf("\n")) >= 0) {
      const command = pending.slice(0, nl).trim();
      pending = pending.slice(nl + 1);
      if (command === "hello") socket.end(replyLine(socket));
      else if (command === "hold" || command === "ping") socket.write(replyLine(socket));
    }
  });
  socket.on("end", () => socket.end());
  // Resets and aborted peers are normal under load; never crash on them.
  socket.on("error", () => socket.destroy());
}

function listenTcp(host: string, port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer(onConnection);
    server.once("error", reject);
    server.listen({ host, port, ipv6Only: host === "::", backlog: 4096 }, () => resolve(server));
  });
}

function listenUdp(type: "udp4" | "udp6", port: number): Promise<UdpSocket> {
  return new Promise((resolve, reject) => {
    const socket = createSocket({ type, ipv6Only: type === "udp6" });
    socket.on("message", (msg, rinfo) => {
      const command = msg.toString("latin1").trim();
      if (command !== "hello" && command !== "hold" && command !== "ping") return;
      const reply: BackendReply = {
        backend: name ?? "",
        peer: plainAddress(rinfo.address),
        peerPort: rinfo.port,
        local: type === "udp4" ? "0.0.0.0" : "::",
        localPort: port,
        protocol: "udp",
      };
      socket.send(JSON.stringify(reply) + "\n", rinfo.port, rinfo.address);
    });
    socket.once("error", reject);
    socket.bind({ port, address: type === "udp4" ? "0.0.0.0" : "::" }, () => resolve(socket));
  });
}

const closers: (() => void)[] = [];
for (const port of tcpPorts) {
  for (const host of ["0.0.0.0", "::"]) {
    const server = await listenTcp(host, port);
    closers.push(() => server.close());
  }
}
for (const port of udpPorts) {
  for (const type of ["udp4", "udp6"] as const) {
    const socket = await listenUdp(type, port);
    closers.push(() => socket.close());
  }
}

function shutdown(): void {
  for (const close of closers) close();
  process.exit(0);
}
process.on("SIGTERM", shutdown);
process.on("SIGINT", shutdown);
process.stdin.on("end", shutdown);
process.stdin.resume();
process.stdout.write("ready\n");
