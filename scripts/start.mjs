// `npm start`: runs the demo (scripts/demo.mjs) until Ctrl-C, then stops
// everything it started and removes its temporary directories: also on a
// Ctrl-C during start-up (start-up finishes, then everything stops), and on
// an error nobody caught.
import { startDemo, AGENTS } from "./demo.mjs";

let demo;
let started = false;
let exitCode = null; // asked for, once

async function exit(code) {
  if (exitCode !== null) return;
  exitCode = code;
  if (!started) return; // the end of start-up stops it
  await demo?.stop();
  process.exit(code);
}
process.on("SIGINT", () => exit(0));
process.on("SIGTERM", () => exit(0));
process.on("unhandledRejection", (e) => {
  console.error(`start: ${e?.stack ?? e}`);
  exit(1);
});

try {
  demo = await startDemo({ port: Number(process.env.PORT) || 0 });
} catch (e) {
  // (startDemo stopped what it had started.)
  console.error(`start: ${e.message}`);
  exitCode ??= 1;
}
started = true;
if (exitCode !== null) {
  const code = exitCode;
  exitCode = null;
  await exit(code);
} else {
  const s = demo.server;
  console.log(`Demo agent desktop: ${demo.deskUrl}`);
  console.log(`Online board:       ${demo.boardUrl}   (helpdesk tickets and status changes: ${demo.db.file})`);
  console.log(`Tunnel:             ${demo.tunnelUrl} (through a proxy the desk's buttons cut)`);
  console.log(`XMPP (WebSocket):   ${s.wsUrl}   agents ${AGENTS.map((a) => `${a.id}/${a.password}`).join(", ")}`);
  console.log(`Prosody log:        ${s.logFile}`);
  console.log("Ctrl-C stops everything.");
}
