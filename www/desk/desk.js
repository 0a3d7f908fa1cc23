// The demo agent desktop: embeds the tunnel (another origin) through the
// parent-side client, and shows status, presence and live Finesse updates;
// what it shows follows the "what your UI should do for each status" table
// of the README (stale while reconnecting, cleared on sign-out and
// conflict, the gap notice), and errors appear on the page. It loads the
// tunnel's IM page, so it also chats, keeps buddies, sits in the team room
// and takes helpdesk tickets (im.js).
import { TunnelClient } from "../client/tunnel-client.js";
import { startIm } from "./im.js";

const $ = (id) => document.getElementById(id);
const demo = await (await fetch("demo.json", { cache: "no-store" })).json();
$("tunnel-url").textContent = demo.imTunnelUrl;
for (const a of demo.agents) $("agent").append(new Option(a.id, a.id));
const passwordFor = (id) => demo.agents.find((a) => a.id === id)?.password ?? "";
$("password").value = passwordFor($("agent").value);
$("agent").onchange = () => ($("password").value = passwordFor($("agent").value));

const tunnel = new TunnelClient({ tunnelUrl: demo.imTunnelUrl });
let events = 0;
let agentId = "";

/** A message in the page's notice or error line (none: hidden). */
function show(id, text) {
  $(id).textContent = text ?? "";
  $(id).hidden = !text;
}
const fail = (what) => (err) => show("error", `${what}: ${err.message}`);
const im = startIm(tunnel, demo, fail);

/** What the desk knows of the agent, forgotten (sign-out, conflict). */
function clearAgent() {
  $("state").textContent = "—";
  $("dialog").textContent = "none";
  $("presence").replaceChildren();
  renderNodes([]);
  im.clear();
}

tunnel.on("status", (s) => {
  $("status").textContent = s;
  $("status").dataset.status = s;
  $("resource").textContent = tunnel.resource ? `resource ${tunnel.resource}` : "";
  $("logout").disabled = !["connected", "reconnecting"].includes(s);
  // Reconnecting: keep the last state on screen, marked as stale.
  $("agent-state").classList.toggle("stale", s === "reconnecting");
  $("stale").hidden = s !== "reconnecting";
  if (s === "connected") show("error");
  if (s === "reconnecting") show("notice", "Connection lost: the tunnel is reconnecting by itself.");
  if (s === "connected" && $("notice").textContent.startsWith("Connection lost")) {
    show("notice", "Connected again: the session was resumed, no event was lost.");
  }
  if (s === "conflict") {
    clearAgent();
    show("error", "Signed in on another desk with the same resource: signed out here.");
  }
  if (s === "unauthorized") show("error", "Wrong agent or password.");
});
tunnel.on("gap", () => {
  // A real desk re-reads the agent and the dialogs over Finesse's REST API
  // here; the demo clears what may be out of date until the next events.
  $("state").textContent = "—";
  $("dialog").textContent = "none";
  show("notice", "Connected again with a new session: events published meanwhile may be missing (gap notice). The state shown is refreshed as events arrive.");
});
tunnel.on("log", (line) => {
  $("log").textContent += line + "\n";
  $("log").scrollTop = $("log").scrollHeight;
});
tunnel.on("presence", (xml) => {
  const doc = new DOMParser().parseFromString(xml, "application/xml");
  const from = doc.querySelector("from")?.textContent ?? "?";
  const type = doc.querySelector("type")?.textContent || "available";
  const li = document.createElement("li");
  li.textContent = `${from}: ${type}`;
  $("presence").prepend(li);
});
tunnel.on("event", ({ node, payload }) => {
  events += 1;
  $("count").textContent = String(events);
  const li = document.createElement("li");
  const n = document.createElement("span");
  n.className = "node";
  n.textContent = node + " ";
  li.append(n, payload);
  $("events").prepend(li);
  while ($("events").children.length > 200) $("events").lastChild.remove();
  const doc = new DOMParser().parseFromString(payload, "application/xml");
  // Only the signed-in agent's own User node carries their state (the team
  // node carries everybody's).
  const state = node === `/finesse/api/User/${agentId}` && doc.querySelector("user > state");
  if (state) $("state").textContent = state.textContent;
  if (node === `/finesse/api/User/${agentId}/Dialogs`) {
    const dialog = doc.querySelector("Dialog");
    const state = dialog?.querySelector("state")?.textContent;
    const caller = dialog?.querySelector("fromAddress, callerNumber")?.textContent ?? "";
    // No dialog, or the call just ended: no current call.
    $("dialog").textContent = !dialog || state === "DROPPED" ? "none" : `${state} ${caller}`;
  }
});

function renderNodes(nodes) {
  $("node-list").replaceChildren(...nodes.map((node) => {
    const li = document.createElement("li");
    li.textContent = node;
    const b = document.createElement("button");
    b.textContent = "×";
    b.title = "Unsubscribe";
    b.onclick = async () => {
      await tunnel.unsubscribe(node).catch(fail(`unsubscribe ${node}`));
      refresh();
    };
    li.append(b);
    return li;
  }));
}
async function refresh() {
  const subs = await tunnel.subscriptions().catch(() => []);
  renderNodes([...new Set(subs.map((s) => s.node))]);
}

$("login-form").onsubmit = async (e) => {
  e.preventDefault();
  show("error");
  show("notice");
  if (agentId && agentId !== $("agent").value) clearAgent();
  agentId = $("agent").value;
  try {
    const first = await tunnel.connect({
      id: $("agent").value, password: $("password").value, domain: demo.domain,
      resource: $("res").value, pubsubDomain: demo.pubsub,
    });
    if (first === "reconnecting") show("notice", "The server is not reachable yet: the tunnel keeps trying.");
    // (Subscribing while reconnecting is fine: the tunnel queues it.)
    await Promise.all(demo.nodes.map((n) => tunnel.subscribe(n)));
    refresh();
    await im.signedIn(`${agentId}@${demo.domain}`);
  } catch (err) {
    fail("sign-in failed")(err);
  }
};
$("logout").onclick = async () => {
  await tunnel.disconnect().catch(fail("sign-out"));
  clearAgent();
  show("notice");
};
$("sub-form").onsubmit = async (e) => {
  e.preventDefault();
  const node = $("node").value.trim();
  if (!node) return;
  await tunnel.subscribe(node).catch(fail(node));
  refresh();
};
for (const [id, what] of [["drop", "drop"], ["restart", "restart"]]) {
  $(id).onclick = async () => {
    $(id).disabled = true;
    try {
      const r = await fetch(`control/${what}`, { method: "POST" });
      if (!r.ok) throw new Error(`the demo server answered ${r.status}`);
    } catch (err) {
      fail(what)(err);
    } finally {
      $(id).disabled = false;
    }
  };
}
