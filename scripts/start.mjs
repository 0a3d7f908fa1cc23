// `npm start`: runs the demo (scripts/demo.mjs) until Ctrl-C, then stops
// everything it started.
import { startDemo, AGENTS } from "./demo.mjs";

let demo;
let stopping = false;
async function shutdown(code) {
  if (stopping) return;
  stopping = true;
  await demo?.stop();
  process.exit(code);
}
process.on("SIGINT", () => shutdown(0));
process.on("SIGTERM", () => shutdown(0));

try {
  demo = await startDemo({ port: Number(process.env.PORT) || 0 });
  const s = demo.server;
  console.log(`Demo agent desktop: ${demo.deskUrl}`);
  console.log(`Tunnel:             ${s.tunnelUrl}`);
  console.log(`XMPP (WebSocket):   ${s.wsUrl}   agents ${AGENTS.map((a) => `${a.id}/${a.password}`).join(", ")}`);
  console.log(`Prosody log:        ${s.logFile}`);
  console.log("Ctrl-C stops everything.");
} catch (e) {
  console.error(`start: ${e.message}`);
  await shutdown(1);
}
