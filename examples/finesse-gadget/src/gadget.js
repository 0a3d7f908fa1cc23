// The gadget's code, bundled by esbuild into dist/gadget.js with the
// xmpp-tunnel package. Finesse's gadget container hands every gadget its
// configuration as gadget preferences (what finesse.js reads into
// finesse.gadget.Config): the agent's `id`, `authorization` (base64 of
// "id:password" with Finesse's own authentication), `xmppDomain`,
// `pubsubDomain`. The tunnel needs the same credentials finesse.js's
// MasterTunnel used.
import { TunnelClient } from "xmpp-tunnel";

const prefs = new gadgets.Prefs();
const $ = (id) => document.getElementById(id);

/** The agent's credentials from the gadget's preferences. */
function credentials() {
  const id = prefs.getString("id");
  // "Basic" credentials: base64("id:password"); the password follows the first colon.
  const decoded = atob(prefs.getString("authorization") || "");
  const password = decoded.slice(decoded.indexOf(":") + 1);
  return { id, password, domain: prefs.getString("xmppDomain"), pubsubDomain: prefs.getString("pubsubDomain") || undefined };
}

const tunnel = new TunnelClient({ tunnelUrl: prefs.getString("tunnelUrl") });
const { id, password, domain, pubsubDomain } = credentials();
const userNode = `/finesse/api/User/${id}`;
const dialogsNode = `${userNode}/Dialogs`;

const text = (xml, tag) => new DOMParser().parseFromString(xml, "application/xml").querySelector(tag)?.textContent;
function notice(message) {
  $("notice").textContent = message;
  $("notice").style.display = message ? "block" : "none";
  gadgets.window.adjustHeight();
}

tunnel.on("status", (s) => {
  $("status").textContent = s;
  if (s === "reconnecting") notice("Reconnecting: what is shown may be out of date.");
  if (s === "connected") notice("");
});
tunnel.on("gap", () => {
  // Events may have been missed: a production gadget re-reads the user and
  // its dialogs over Finesse's REST API here (finesse.restservices).
  notice("Reconnected with a new session: events may have been missed; refreshing.");
  $("state").textContent = "—";
});
tunnel.on("event", ({ node, payload }) => {
  if (node === userNode) $("state").textContent = text(payload, "user > state") ?? "—";
  if (node === dialogsNode) {
    const state = text(payload, "Dialog > state");
    $("call").textContent = state && state !== "DROPPED" ? `${state} ${text(payload, "Dialog > fromAddress") ?? ""}` : "none";
  }
  const li = document.createElement("li");
  li.textContent = `${node} ${payload}`;
  $("events").prepend(li);
  while ($("events").children.length > 20) $("events").lastChild.remove();
  gadgets.window.adjustHeight();
});

// (No top-level await: the bundle is a classic script, as gadgets load them.)
tunnel
  .connect({ id, password, domain, pubsubDomain, resource: "tunnel-gadget" })
  .then(() => Promise.all([tunnel.subscribe(userNode), tunnel.subscribe(dialogsNode)]))
  .catch((e) => notice(`Could not sign in to the notification service: ${e.message}`));
