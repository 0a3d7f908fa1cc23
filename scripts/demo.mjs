// The demo on this machine: a private Prosody serves the tunnel
// (http://localhost:P/tunnel/) next to its WebSocket, a publisher account
// sends Finesse-like events, and www/ (the agent desktop) is served from
// another origin (http://127.0.0.1:Q/), as Finesse gadgets would be.
// Used by `npm start` (scripts/start.mjs) and by the desk's browser test.
import fs from "node:fs";
import path from "node:path";
import { repoRoot, prepareTunnelDir } from "../tests/support/tunnel-dir.mjs";
import { startProsody } from "../tests/support/prosody.mjs";
import { startStaticServer } from "../tests/support/static-server.mjs";
import { startPublisher, DEMO_NODES } from "./publisher.mjs";

export const AGENTS = [
  { id: "1001001", password: "agent-demo-1" },
  { id: "1001002", password: "agent-demo-2" },
];
const PUBLISHER = { user: "publisher", password: "publisher-demo" };

/** Starts everything; `stop()` stops it all and removes its temp dirs. */
export async function startDemo({ port = 0, intervalMs = 2000 } = {}) {
  const started = []; // stop functions, newest last
  const stop = async () => {
    for (const s of started.splice(0).reverse()) await s().catch((e) => console.error(`stop: ${e.message}`));
  };
  try {
    let demo; // what /desk/demo.json tells the page
    // The desk first: its origin goes into the tunnel's allowedOrigins.
    const desk = await startStaticServer({
      root: path.join(repoRoot, "www"),
      port,
      routes: { "/desk/demo.json": () => ({ body: demo ?? { error: "starting" } }) },
    });
    started.push(desk.stop);
    const tunnelDir = prepareTunnelDir({ allowedOrigins: [desk.origin] });
    started.push(async () => fs.rmSync(tunnelDir, { recursive: true, force: true }));
    const server = await startProsody({
      tunnelDir,
      users: [...AGENTS.map((a) => ({ user: a.id, password: a.password })), PUBLISHER],
      admins: [PUBLISHER.user],
    });
    started.push(server.remove);
    const publisher = await startPublisher({ server, ...PUBLISHER, nodes: DEMO_NODES, intervalMs });
    started.push(publisher.stop);
    demo = { tunnelUrl: server.tunnelUrl, domain: server.domain, pubsub: server.pubsub, agents: AGENTS, nodes: DEMO_NODES };
    return { deskUrl: `${desk.origin}/desk/`, server, publisher, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
