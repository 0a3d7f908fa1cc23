// The demo on this machine: a private Prosody serves the tunnel
// (http://localhost:P/tunnel/) next to its WebSocket, a publisher account
// sends Finesse-like events, and www/ (the agent desktop) is served from
// another origin (http://127.0.0.1:Q/), as Finesse gadgets would be. The
// desk reaches Prosody through a loopback proxy, so that a visitor can drop
// the tunnel's connection (it comes back resumed, nothing lost) or restart
// the server (a new session, and the gap notice) from the page. The desk
// loads the tunnel's IM page: beside the Finesse events it chats, keeps a
// buddy list, sits in a team room, and takes helpdesk tickets from the
// helpdesk bot (scripts/helpdesk.mjs), which a simulated customer asks for
// help now and then. Tickets and the online board live in SQLite.
// Used by `npm start` (scripts/start.mjs) and by the desk's browser test.
import fs from "node:fs";
import path from "node:path";
import { repoRoot, prepareTunnelDir } from "../tests/support/tunnel-dir.mjs";
import { startProsody } from "../tests/support/prosody.mjs";
import { startStaticServer } from "../tests/support/static-server.mjs";
import { startProxy } from "../tests/support/proxy.mjs";
import { startPublisher, DEMO_NODES } from "./publisher.mjs";
import { startHelpdesk, startCustomer, befriend } from "./helpdesk.mjs";
import { openHelpdeskDb } from "./helpdesk-db.mjs";
import { connectClient } from "../tests/support/xmpp-client.mjs";

export const AGENTS = [
  { id: "1001001", password: "agent-demo-1" },
  { id: "1001002", password: "agent-demo-2" },
];
const PUBLISHER = { user: "publisher", password: "publisher-demo" };
const HELPDESK = { user: "helpdesk", password: "helpdesk-demo" };
const CUSTOMER = { user: "customer", password: "customer-demo" };
const SUPERVISOR = { user: "supervisor", password: "supervisor-demo" };

/**
 * Starts everything; `stop()` stops it all and removes its temp dirs.
 * `db`: the helpdesk's SQLite file (default build/demo/helpdesk.sqlite,
 * which outlives the demo); `customerEveryMs`: how often the simulated
 * customer asks for help (0: never); `offerMs`: how long an agent has to
 * take an offered ticket.
 */
export async function startDemo({ port = 0, intervalMs = 2000, db: dbFile = path.join(repoRoot, "build", "demo", "helpdesk.sqlite"),
  customerEveryMs = 90_000, offerMs = 60_000 } = {}) {
  const started = []; // stop functions, newest last
  const stop = async () => {
    for (const s of started.splice(0).reverse()) await s().catch((e) => console.error(`stop: ${e.message}`));
  };
  try {
    let demo; // what /desk/demo.json tells the page
    let db;
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
        // The online board and the helpdesk's tickets, from the database.
        "/desk/board.json": () => (db ? {
          body: { online: db.online(), history: db.presenceHistory(), tickets: db.recentTickets(), counts: db.counts() },
        } : { status: 503, body: { error: "starting" } }),
      },
    });
    started.push(desk.stop);
    const tunnelDir = prepareTunnelDir({ allowedOrigins: [desk.origin] });
    started.push(async () => fs.rmSync(tunnelDir, { recursive: true, force: true }));
    server = await startProsody({
      tunnelDir,
      users: [...AGENTS.map((a) => ({ user: a.id, password: a.password })), PUBLISHER, HELPDESK, CUSTOMER, SUPERVISOR],
      admins: [PUBLISHER.user],
    });
    started.push(server.remove);
    db = await openHelpdeskDb(dbFile);
    const agentJids = AGENTS.map((a) => `${a.id}@${server.domain}`);
    // The buddy lists the desks start with: each agent and the helpdesk,
    // the agents with each other; the supervisor's request waits for
    // agent 1 (answered from the desk).
    const connect = (user, password, resource) => connectClient({ url: server.wsUrl, domain: server.domain, user, password, resource });
    const helpdesk = await startHelpdesk({ server, ...HELPDESK, agents: agentJids, db, offerMs });
    started.push(helpdesk.stop);
    const setup = await Promise.all(AGENTS.map((a) => connect(a.id, a.password, "setup")));
    for (const [i, c] of setup.entries()) await befriend(helpdesk.client, helpdesk.jid, c, agentJids[i]);
    await befriend(setup[0], agentJids[0], setup[1], agentJids[1]);
    const supervisor = await connect(SUPERVISOR.user, SUPERVISOR.password, "setup");
    supervisor.send(`<presence to='${agentJids[0]}' type='subscribe'><status>Supervisor: please add me</status></presence>`);
    await supervisor.iq("<iq type='get'><query xmlns='jabber:iq:roster'/></iq>");
    await Promise.all([...setup, supervisor].map((c) => c.close().catch(() => {})));
    const customer = await startCustomer({ server, ...CUSTOMER, helpdesk: helpdesk.jid, everyMs: customerEveryMs });
    started.push(customer.stop);
    proxy = await startProxy({ targetPort: server.httpPort });
    started.push(proxy.stop);
    const tunnelUrl = `http://localhost:${proxy.port}/tunnel/`;
    const publisher = await startPublisher({ server, ...PUBLISHER, nodes: DEMO_NODES, intervalMs });
    started.push(publisher.stop);
    demo = {
      tunnelUrl, imTunnelUrl: `${tunnelUrl}im.html`, domain: server.domain, pubsub: server.pubsub, agents: AGENTS, nodes: DEMO_NODES,
      helpdesk: helpdesk.jid, room: `team@conference.${server.domain}`,
    };
    return { deskUrl: `${desk.origin}/desk/`, boardUrl: `${desk.origin}/desk/board.html`, tunnelUrl, server, proxy, publisher, helpdesk, customer, db, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
