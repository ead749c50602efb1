import { openEventStream } from "./bench/event-stream.ts";
const s = await openEventStream();
console.log(s.server.url);
await new Promise((r) => setTimeout(r, 240_000));
await s.stop();
