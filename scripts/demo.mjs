// The demo on this machine: a private Prosody serves the tunnel
// (http://localhost:P/tunnel/) next to its WebSocket, a publisher account
// sends Finesse-like events, and www/ (the agent desktop) is served from
// another origin (http://127.0.0.1:Q/), as Finesse gadgets would be. The
// desk reaches Prosody through a loopback proxy, so that a visitor can drop
// the tunnel's connection (it comes back resumed, nothing lost) or restart
// the server (a new session, and the gap notice) from the page.
// Used by `npm start` (scripts/start.mjs) and by the desk's browser test.
import fs from "node:fs";
import path from "node:path";
import { repoRoot, prepareTunnelDir } from "../tests/support/tunnel-dir.mjs";
import { startProsody } from "../tests/support/prosody.mjs";
import { startStaticServer } from "../tests/support/static-server.mjs";
import { startProxy } from "../tests/support/proxy.mjs";
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
    let server, proxy;
    // The two faults a visitor may cause (POST, from the desk's own origin).
    const control = (act) => async (req) => {
      if (req.method !== "POST") return { status: 405, body: { error: "POST only" } };
      if (!server) return { status: 503, body: { error: "starting" } };
      await act();
      return { body: { ok: true } };
    };
    const desk = await startStaticServer({
      root: path.join(repoRoot, "www"),
      port,
      routes: {
        "/desk/demo.json": () => ({ body: demo ?? { error: "starting" } }),
        // Every connection through the proxy cut; the server keeps the
        // session, so the tunnel resumes it.
        "/desk/control/drop": control(() => proxy.cut(0)),
        // The server restarted: sessions gone, a new one and a gap.
        "/desk/control/restart": control(() => server.restart()),
      },
    });
    started.push(desk.stop);
    const tunnelDir = prepareTunnelDir({ allowedOrigins: [desk.origin] });
    started.push(async () => fs.rmSync(tunnelDir, { recursive: true, force: true }));
    server = await startProsody({
      tunnelDir,
      users: [...AGENTS.map((a) => ({ user: a.id, password: a.password })), PUBLISHER],
      admins: [PUBLISHER.user],
    });
    started.push(server.remove);
    proxy = await startProxy({ targetPort: server.httpPort });
    started.push(proxy.stop);
    const tunnelUrl = `http://localhost:${proxy.port}/tunnel/`;
    const publisher = await startPublisher({ server, ...PUBLISHER, nodes: DEMO_NODES, intervalMs });
    started.push(publisher.stop);
    demo = { tunnelUrl, domain: server.domain, pubsub: server.pubsub, agents: AGENTS, nodes: DEMO_NODES };
    return { deskUrl: `${desk.origin}/desk/`, tunnelUrl, server, proxy, publisher, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
