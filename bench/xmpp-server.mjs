// A fake XMPP server over WebSocket (RFC 7395): just enough of RFC 6120 and
// XEP-0060 for a Finesse tunnel to log in and subscribe, the same for every
// tunnel: SCRAM-SHA-1 is the only SASL mechanism offered (so all tunnels pay
// the same login cost), no session, no stream management. Every stanza sent
// carries xmlns='jabber:client' (RFC 7395 frames are standalone elements).
//
// Sessions register by resource in `registry`, where the blaster finds the
// socket and full JID to send notifications to.
import crypto from "node:crypto";
import { parse } from "ltx";
import { NS, xml } from "../tests/support/xmpp-client.mjs";
import { ScramSha1Server, ScramError, scramCredentials } from "./scram.mjs";

const FRAMING = "urn:ietf:params:xml:ns:xmpp-framing";
const CLOSE = `<close xmlns='${FRAMING}'/>`;

/** Accounts: user → SCRAM credentials (the password itself is not kept). */
export function accounts(users) {
  return new Map(Object.entries(users).map(([user, password]) => [user, scramCredentials(password)]));
}

/**
 * Serves one XMPP WebSocket. `registry`: Map resource → session;
 * `log(text)`: trace output (or null).
 */
export function serveXmpp(ws, { domain, pubsub, users, registry, log = null, onLogin = () => {} }) {
  const session = { kind: "xmpp", ws, jid: null, resource: null, subscriptions: new Map() };
  let state = "await-open"; // → await-auth → sasl → await-restart → await-bind → bound
  let scram = null;
  let user = null;
  const send = (text) => {
    if (log) log(`S: ${text}`);
    ws.send(text);
  };
  const fail = (condition) => {
    send(`<failure xmlns='${NS.sasl}'><${condition}/></failure>`);
    state = "await-auth";
  };
  const openStream = () => {
    send(`<open xmlns='${FRAMING}' id='${crypto.randomBytes(8).toString("hex")}' from='${domain}' version='1.0' xml:lang='en'/>`);
  };

  ws.on("message", (data, isBinary) => {
    const text = data.toString("utf8");
    if (log) log(`C: ${text}`);
    if (isBinary || text.trim() === "") return; // whitespace keepalive
    let el;
    try { el = parse(text); } catch {
      send(`<stream:error xmlns:stream='http://etherx.jabber.org/streams'><not-well-formed xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>`);
      send(CLOSE);
      ws.close();
      return;
    }
    const name = el.getName();
    if (name === "open") {
      if (el.attrs.xmlns !== FRAMING || el.attrs.version !== "1.0" || el.attrs.to !== domain) {
        openStream();
        send(`<stream:error xmlns:stream='http://etherx.jabber.org/streams'><host-unknown xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>`);
        send(CLOSE);
        return;
      }
      openStream();
      if (state === "await-restart") {
        state = "await-bind";
        send(`<stream:features xmlns:stream='http://etherx.jabber.org/streams'><bind xmlns='${NS.bind}'/></stream:features>`);
      } else {
        state = "await-auth";
        send(`<stream:features xmlns:stream='http://etherx.jabber.org/streams'><mechanisms xmlns='${NS.sasl}'><mechanism>SCRAM-SHA-1</mechanism></mechanisms></stream:features>`);
      }
      return;
    }
    if (name === "close") {
      send(CLOSE);
      // The client closes the socket (RFC 7395 §3.6); make sure it goes.
      setTimeout(() => ws.terminate(), 1000).unref();
      return;
    }
    if (el.attrs.xmlns === NS.sasl) return sasl(el);
    if (state !== "bound" && !(state === "await-bind" && name === "iq")) return; // nothing before bind
    if (name === "iq") return iq(el);
    // presence and message: nothing to route in this benchmark.
  });

  function sasl(el) {
    const payload = () => Buffer.from(el.getText().trim(), "base64").toString("utf8");
    try {
      if (el.getName() === "auth" && state === "await-auth") {
        if (el.attrs.mechanism !== "SCRAM-SHA-1") return fail("invalid-mechanism");
        scram = new ScramSha1Server((u) => users.get(u));
        const first = scram.clientFirst(payload());
        if (scram.authzid !== undefined && scram.authzid !== "" && scram.authzid !== `${scram.user}@${domain}`) {
          return fail("invalid-authzid");
        }
        state = "sasl";
        send(`<challenge xmlns='${NS.sasl}'>${Buffer.from(first).toString("base64")}</challenge>`);
      } else if (el.getName() === "response" && state === "sasl") {
        const final = scram.clientFinal(payload());
        user = scram.user;
        state = "await-restart";
        send(`<success xmlns='${NS.sasl}'>${Buffer.from(final).toString("base64")}</success>`);
      } else if (el.getName() === "abort") {
        fail("aborted");
      } else {
        fail("malformed-request");
      }
    } catch (e) {
      if (!(e instanceof ScramError)) throw e;
      if (log) log(`SASL failure: ${e.message}`);
      fail(e.condition);
    }
  }

  function iq(el) {
    const { type, id, to } = el.attrs;
    if (type === "result" || type === "error") return; // answers to us: none expected
    const bind = el.getChild("bind", NS.bind);
    if (state === "await-bind") {
      if (!bind || type !== "set") return;
      const resource = bind.getChildText("resource") || `bench-${crypto.randomBytes(4).toString("hex")}`;
      session.resource = resource;
      session.jid = `${user}@${domain}/${resource}`;
      state = "bound";
      registry.set(resource, session);
      onLogin(session);
      return send(xml`<iq xmlns='jabber:client' type='result' id='${id}'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>${session.jid}</jid></bind></iq>`);
    }
    const ps = el.getChild("pubsub", NS.pubsub);
    const subscribe = ps?.getChild("subscribe");
    if (to === pubsub && type === "set" && subscribe) {
      const { node, jid } = subscribe.attrs;
      session.subscriptions.set(node, jid);
      return send(xml`<iq xmlns='jabber:client' type='result' from='${pubsub}' to='${session.jid}' id='${id}'><pubsub xmlns='http://jabber.org/protocol/pubsub'><subscription node='${node}' jid='${jid}' subscription='subscribed'/></pubsub></iq>`);
    }
    const unsubscribe = ps?.getChild("unsubscribe");
    if (to === pubsub && type === "set" && unsubscribe) session.subscriptions.delete(unsubscribe.attrs.node);
    // Ping, disco, unsubscribe, anything else: an empty result, from whom it was sent to.
    if (to) return send(xml`<iq xmlns='jabber:client' type='result' from='${to}' to='${session.jid}' id='${id}'/>`);
    return send(xml`<iq xmlns='jabber:client' type='result' to='${session.jid}' id='${id}'/>`);
  }

  ws.on("close", () => {
    if (session.resource && registry.get(session.resource) === session) registry.delete(session.resource);
  });
  ws.on("error", () => {}); // surfaced as 'close'
  return session;
}

/**
 * The ceiling's socket (/raw): no XMPP at all. Its first frame names the
 * resource to register under; the server acknowledges with "ok" and from then
 * on only sends notification stanzas, to `user@domain/resource` as if bound.
 */
export function serveRaw(ws, { domain, user, registry }) {
  const session = { kind: "raw", ws, jid: null, resource: null, subscriptions: new Map() };
  ws.once("message", (data) => {
    session.resource = data.toString("utf8");
    session.jid = `${user}@${domain}/${session.resource}`;
    registry.set(session.resource, session);
    ws.send("ok");
  });
  ws.on("close", () => {
    if (session.resource && registry.get(session.resource) === session) registry.delete(session.resource);
  });
  ws.on("error", () => {});
  return session;
}
