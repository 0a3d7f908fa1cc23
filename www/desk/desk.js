// The demo agent desktop: embeds the tunnel (another origin) through the
// parent-side client, and shows status, presence and live Finesse updates.
import { TunnelClient } from "../client/tunnel-client.js";

const $ = (id) => document.getElementById(id);
const demo = await (await fetch("demo.json", { cache: "no-store" })).json();
$("tunnel-url").textContent = demo.tunnelUrl;
for (const a of demo.agents) $("agent").append(new Option(a.id, a.id));
const passwordFor = (id) => demo.agents.find((a) => a.id === id)?.password ?? "";
$("password").value = passwordFor($("agent").value);
$("agent").onchange = () => ($("password").value = passwordFor($("agent").value));

const tunnel = new TunnelClient({ tunnelUrl: demo.tunnelUrl });
let events = 0;
let agentId = "";

tunnel.on("status", (s) => {
  $("status").textContent = s;
  $("status").dataset.status = s;
  $("resource").textContent = tunnel.resource ? `resource ${tunnel.resource}` : "";
  $("logout").disabled = s !== "connected";
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
  const dialog = doc.querySelector("Dialog");
  if (dialog) {
    const caller = dialog.querySelector("fromAddress, callerNumber")?.textContent ?? "";
    $("dialog").textContent = `${dialog.querySelector("state")?.textContent ?? ""} ${caller}`;
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
      await tunnel.unsubscribe(node).catch((e) => alert(e.message));
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
  agentId = $("agent").value;
  try {
    await tunnel.connect({
      id: $("agent").value, password: $("password").value, domain: demo.domain,
      resource: $("res").value, pubsubDomain: demo.pubsub,
    });
    await Promise.all(demo.nodes.map((n) => tunnel.subscribe(n)));
    refresh();
  } catch (err) {
    $("log").textContent += `sign-in failed: ${err.message}\n`;
  }
};
$("logout").onclick = async () => {
  await tunnel.disconnect();
  renderNodes([]);
};
$("sub-form").onsubmit = async (e) => {
  e.preventDefault();
  const node = $("node").value.trim();
  if (!node) return;
  await tunnel.subscribe(node).catch((err) => alert(`${node}: ${err.message}`));
  refresh();
};
