// The incumbent: a Finesse-compatible EventTunnel on Strophe.js 5 (npm,
// dist/strophe.umd.min.js as shipped), built the way Cisco's 12.x tunnel is:
// Strophe.Connection over WebSocket to /ws/ on the page's own origin,
// initial presence on CONNECTED, a pubsub subscribe iq per 7|node, and per
// notification `0|` + encodeURI(node) + the notification's text content
// (Strophe has already DOM-parsed the stanza). Nothing more per event.
//
// Unlike Cisco's, it checks origins as our tunnel does: messages only from
// window.parent on the parent origin, posts only to that origin (filled in by
// the bench server, as a deployment would configure it).
(() => {
  const PARENT_ORIGIN = "%%PARENT_ORIGIN%%";
  const NS_PUBSUB = "http://jabber.org/protocol/pubsub";
  const NS_EVENT = "http://jabber.org/protocol/pubsub#event";
  const S = globalThis.Strophe; // the UMD build defines the global Strophe (and $iq, $pres)
  S.setLogLevel(S.LogLevel.FATAL); // Strophe logs at DEBUG by default; a production tunnel would not
  const serviceUrl = location.origin.replace(/^http/, "ws") + "/ws/";

  let id = null, password = null, domain = null, pubsub = null, resource = null, conn = null;
  const post = (m) => parent.postMessage(m, PARENT_ORIGIN);
  const status = (s) => {
    if (conn && conn.jid) post("3|" + S.getResourceFromJid(conn.jid));
    post("4|" + s);
  };

  function onEvent(msg) {
    const items = msg.getElementsByTagNameNS(NS_EVENT, "items");
    for (let i = 0; i < items.length; i++) {
      const node = items[i].getAttribute("node");
      const list = items[i].getElementsByTagNameNS(NS_EVENT, "item");
      for (let j = 0; j < list.length; j++) {
        const payload = list[j].firstElementChild;
        post("0|" + encodeURI(node) + (payload ? payload.textContent : ""));
      }
    }
    return true; // keep the handler
  }

  function onStatus(st, condition) {
    switch (st) {
      case S.Status.CONNECTING: status("connecting"); break;
      case S.Status.CONNECTED:
        conn.addHandler(onEvent, NS_EVENT, "message", null, null, pubsub);
        conn.send($pres());
        status("connected");
        break;
      case S.Status.AUTHFAIL: post("13|authentication failed: " + (condition || "")); status("unauthorized"); break;
      case S.Status.CONNFAIL: post("13|connection failed: " + (condition || "")); break;
      case S.Status.DISCONNECTING: status("disconnecting"); break;
      case S.Status.DISCONNECTED: status("disconnected"); conn = null; break;
    }
  }

  function connect() {
    if (conn || id === null || password === null || domain === null) return;
    if (pubsub === null) pubsub = "pubsub." + domain;
    conn = new S.Connection(serviceUrl);
    conn.connect(id + "@" + domain + (resource ? "/" + resource : ""), password, onStatus);
  }

  function subscribe(node) {
    if (!conn || !conn.authenticated) return post("7|" + node + "|<ApiErrors/>");
    const iq = $iq({ type: "set", to: pubsub })
      .c("pubsub", { xmlns: NS_PUBSUB })
      .c("subscribe", { node, jid: conn.jid });
    conn.sendIQ(iq, () => post("7|" + node), () => post("7|" + node + "|<ApiErrors/>"), 10000);
  }

  addEventListener("message", (e) => {
    if (e.source !== parent || e.origin !== PARENT_ORIGIN || typeof e.data !== "string") return;
    const bar = e.data.indexOf("|");
    if (bar < 0) return;
    const payload = e.data.slice(bar + 1);
    switch (e.data.slice(0, bar)) {
      case "1": id = payload.toLowerCase(); connect(); break;
      case "2": password = payload; connect(); break;
      case "3": resource = payload; break;
      case "5": domain = payload; connect(); break;
      case "6": pubsub = payload; break;
      case "7": subscribe(payload); break;
      case "11": status("unloading"); if (conn) conn.disconnect(); break;
    }
  });
  addEventListener("pagehide", () => { if (conn) conn.disconnect(); });
  post("4|loaded");
})();
