// Parent-side client for the xmpp-tunnel EventTunnel: creates the hidden
// iframe, speaks the numbered `type|payload` protocol, checks origins on this
// side too, and turns replies into promises and pushes into listeners.

const T = {
  EVENT: 0, ID: 1, PASSWORD: 2, RESOURCEID: 3, STATUS: 4, XMPPDOMAIN: 5,
  PUBSUBDOMAIN: 6, SUBSCRIBE: 7, UNSUBSCRIBE: 8, PRESENCE: 9, DISCONNECT_REQ: 11,
  CONNECTION_TYPE: 12, LOGGING: 13, SUBSCRIPTIONS_REQ: 14, DISCONNECT_PROPERTIES: 15,
  CONTAINER_CONFIG: 16, HELLO: 100, GAP: 101,
  // Instant messaging (the tunnel's im.html): requests answered on their own
  // type with the request's id, and events.
  SEND: 110, CHAT_STATE: 111, MESSAGE: 112, RECEIPT: 113, HISTORY: 114,
  ROSTER: 120, ROSTER_SET: 121, ROSTER_REMOVE: 122, ROSTER_CHANGED: 123,
  PRESENCE_SET: 130, BUDDY_PRESENCE: 131, BUDDY_REQUEST: 132, ANSWER_BUDDY: 133, ASK_BUDDY: 134, SUBSCRIPTION: 135,
  BLOCK: 140, UNBLOCK: 141, BLOCKLIST: 142, BLOCKLIST_CHANGED: 143,
  JOIN: 150, LEAVE: 151, OCCUPANT: 152, INVITE: 153, INVITATION: 154, DECLINE: 155, DECLINED: 156,
};
// IM events (type → listener kind).
const IM_EVENTS = {
  [T.MESSAGE]: "chat", [T.RECEIPT]: "receipt", [T.ROSTER_CHANGED]: "roster", [T.BUDDY_PRESENCE]: "buddy",
  [T.BUDDY_REQUEST]: "buddyRequest", [T.SUBSCRIPTION]: "subscription", [T.BLOCKLIST_CHANGED]: "blocklist",
  [T.OCCUPANT]: "occupant", [T.INVITATION]: "invitation", [T.DECLINED]: "declined",
};
export const MessageType = Object.freeze({ ...T });

/** A failed request; `condition` is the XMPP error condition. */
export class TunnelError extends Error {
  constructor(message, condition, detail) {
    super(message);
    this.name = "TunnelError";
    this.condition = condition;
    this.detail = detail;
  }
}

const emptyListeners = () => ({
  event: [], status: [], gap: [], presence: [], log: [], message: [],
  ...Object.fromEntries(Object.values(IM_EVENTS).map((k) => [k, []])),
});
// Drops the keys whose value is undefined (JSON.stringify does too; this
// keeps the requests readable in traces).
const defined = (o) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));

const errorOf = (xml) => {
  const type = /<ErrorType>([^<]*)<\/ErrorType>/.exec(xml);
  const msg = /<ErrorMessage>([^<]*)<\/ErrorMessage>/.exec(xml);
  // (Either quote: the tunnel writes double quotes since its XML writer is
  // quick-xml's; earlier builds wrote single ones.)
  const cond = /<([a-z-]+) xmlns=["']urn:ietf:params:xml:ns:xmpp-stanzas["']/.exec(xml);
  const condition = (type && type[1]) || (cond && cond[1]) || "undefined-condition";
  return new TunnelError((msg && msg[1]) || condition, condition, xml);
};

export class TunnelClient {
  /**
   * @param {{tunnelUrl: string, container?: Element, timeoutMs?: number, connectTimeoutMs?: number}} options
   * `timeoutMs` bounds loading and each request; `connectTimeoutMs` a login
   * (longer than the tunnel's own 30 s connect timeout, so the tunnel's
   * verdict arrives first).
   */
  constructor({ tunnelUrl, container = document.body, timeoutMs = 20000, connectTimeoutMs = 45000 }) {
    const url = new URL(tunnelUrl, location.href);
    this.tunnelOrigin = url.origin;
    this.timeoutMs = timeoutMs;
    this.connectTimeoutMs = connectTimeoutMs;
    this.status = "new";
    this.resource = null;
    this.extensions = null;
    this._listeners = emptyListeners();
    this._pending = new Map(); // "type|node" -> [{resolve, reject, timer}]
    this._late = new Map(); // "type|node" -> replies still owed to timed-out requests
    this._subscribed = new Set();
    this._imPending = new Map(); // request id -> {resolve, reject, timer}
    this._imSeq = 0;
    this._credentials = null;
    this._onMessage = (e) => this._receive(e);
    window.addEventListener("message", this._onMessage);
    this.iframe = document.createElement("iframe");
    this.iframe.hidden = true;
    this.iframe.setAttribute("aria-hidden", "true");
    this.iframe.title = "xmpp-tunnel";
    this.iframe.src = url.href;
    this._loaded = new Promise((resolve, reject) => {
      this._resolveLoaded = resolve;
      this._rejectLoaded = reject;
    });
    this._loaded.catch(() => {}); // callers see the rejection; no unhandled one
    this._loadTimer = setTimeout(() => {
      this._rejectLoaded(new TunnelError("the tunnel page did not load (check its URL and allowedOrigins)", "timeout"));
    }, timeoutMs);
    container.appendChild(this.iframe);
  }

  /** Resolves once the tunnel reports `loaded`. */
  ready() {
    return this._loaded;
  }

  /**
   * Sends credentials in a safe order (settings first, password last, so the
   * tunnel connects with every setting known) and resolves at `connected`,
   * or at `reconnecting` when the server cannot be reached yet: the tunnel
   * keeps trying by itself, and a later `connected` comes as a status.
   */
  async connect({ id, password, domain, resource, pubsubDomain, transport, ping }) {
    await this.ready();
    const credentials = JSON.stringify([id, password, domain, resource, pubsubDomain, transport, ping]);
    // The tunnel ignores a re-send of what it is connected with; so do we.
    if (this.status === "connected" && credentials === this._credentials) return "connected";
    this._credentials = credentials;
    const done = this._waitStatus(["connected", "reconnecting"], ["unauthorized", "conflict", "disconnected"], this.connectTimeoutMs);
    if (transport) this._send(T.CONNECTION_TYPE, transport);
    if (ping) this._send(T.DISCONNECT_PROPERTIES, JSON.stringify(ping));
    if (resource) this._send(T.RESOURCEID, resource);
    if (pubsubDomain) this._send(T.PUBSUBDOMAIN, pubsubDomain);
    this._send(T.XMPPDOMAIN, domain);
    this._send(T.ID, id);
    this._send(T.PASSWORD, password);
    return done;
  }

  /** Resolves with the node once subscribed; rejects with a TunnelError. */
  subscribe(node) {
    return this._request(T.SUBSCRIBE, node);
  }

  unsubscribe(node) {
    return this._request(T.UNSUBSCRIBE, node);
  }

  /** The tunnel's current pubsub subscriptions. */
  subscriptions() {
    return this._request(T.SUBSCRIPTIONS_REQ, "");
  }

  // ---- Instant messaging (load the tunnel's im.html; `extensions` lists "im").

  /**
   * Sends a chat (or, `type: "groupchat"`, room) message. Resolves with
   * `{messageId, status: "sent", acked}` once the server has it (`acked`:
   * stream management confirmed it); rejects with a TunnelError whose
   * `detail.messageId` names the message when it could not be delivered.
   */
  sendMessage(to, body, { thread, type, state, receipt, messageId, subject } = {}) {
    return this._im(T.SEND, { to, body, thread, type, state, receipt, messageId, subject });
  }

  /** XEP-0085: "active", "composing", "paused", "inactive" or "gone". */
  sendChatState(to, state, { thread, type } = {}) {
    return this._im(T.CHAT_STATE, { to, state, thread, type });
  }

  /** XEP-0313: `{messages, complete, first, last}`; the newest page unless `before`/`after`. */
  history({ with: withJid, room, max, before, after } = {}) {
    return this._im(T.HISTORY, { with: withJid, room, max, before, after });
  }

  /** The buddy list: `[{jid, name, subscription, ask, groups}]`. */
  roster() {
    return this._im(T.ROSTER, {}).then((r) => r.items);
  }

  /** Adds a buddy or changes its name and groups (no presence request). */
  setBuddy(jid, { name, groups } = {}) {
    return this._im(T.ROSTER_SET, { jid, name, groups });
  }

  removeBuddy(jid) {
    return this._im(T.ROSTER_REMOVE, { jid });
  }

  /** "available", "away", "xa", "dnd", "chat" or "offline", with a status text. */
  setPresence(show, { status, priority } = {}) {
    return this._im(T.PRESENCE_SET, { show, status, priority });
  }

  /** Asks `jid` to be a buddy (their answer comes as a "subscription" event). */
  askBuddy(jid, { name, groups, status } = {}) {
    return this._im(T.ASK_BUDDY, { jid, name, groups, status });
  }

  /** Answers a "buddyRequest": "accept", "decline" or "defer" (asked again at the next sign-in). */
  answerBuddy(jid, answer) {
    return this._im(T.ANSWER_BUDDY, { jid, answer });
  }

  block(jids) {
    return this._im(T.BLOCK, { jids });
  }

  /** Without JIDs: unblocks everyone. */
  unblock(jids = []) {
    return this._im(T.UNBLOCK, { jids });
  }

  blocklist() {
    return this._im(T.BLOCKLIST, {}).then((r) => r.jids);
  }

  /** Resolves with `{room, nick}` once in; occupants come as "occupant" events. */
  joinRoom(room, nick, { password, history } = {}) {
    return this._im(T.JOIN, { room, nick, password, history });
  }

  leaveRoom(room, { status } = {}) {
    return this._im(T.LEAVE, { room, status });
  }

  invite(room, jid, { reason } = {}) {
    return this._im(T.INVITE, { room, jid, reason });
  }

  declineInvitation(room, jid, { reason } = {}) {
    return this._im(T.DECLINE, { room, jid, reason });
  }

  _im(type, body) {
    return this.ready().then(() => new Promise((resolve, reject) => {
      const id = `c${++this._imSeq}`;
      const timer = setTimeout(() => {
        // A late reply finds no waiter and is dropped (ids are never reused).
        this._imPending.delete(id);
        reject(new TunnelError("the tunnel did not answer in time", "timeout"));
      }, this.timeoutMs);
      this._imPending.set(id, { resolve, reject, timer });
      this._send(type, JSON.stringify(defined({ id, ...body })));
    }));
  }

  _imReply(msg) {
    const w = this._imPending.get(msg.id);
    if (!w) return;
    this._imPending.delete(msg.id);
    clearTimeout(w.timer);
    const { id: _, ...result } = msg;
    if (msg.error) w.reject(new TunnelError(msg.error.text || msg.error.condition, msg.error.condition, result));
    else w.resolve(result);
  }

  /** DISCONNECT_REQ: resolves at `disconnected`. */
  async disconnect() {
    await this.ready();
    const done = this._waitStatus(["disconnected"], []);
    this._send(T.DISCONNECT_REQ, "");
    return done;
  }

  /**
   * Listens for "event" ({node, payload}), "status" (string), "gap"
   * ({reason}: events may have been missed; refresh what you show),
   * "presence" (string), "log" (string) or "message" (every raw message);
   * with IM: "chat" (a message, a chat state, a carbon or an error),
   * "receipt", "roster" ({items, full}), "buddy" (a buddy's presence),
   * "buddyRequest", "subscription", "blocklist", "occupant", "invitation",
   * "declined" (docs/protocol.md has each payload).
   * Returns a function that removes the listener.
   */
  on(kind, fn) {
    const list = this._listeners[kind];
    if (!list) throw new TypeError(`unknown listener kind: ${kind}`);
    list.push(fn);
    return () => list.splice(list.indexOf(fn) >>> 0, 1);
  }

  /** Removes the iframe and every listener; pending requests are rejected. */
  destroy() {
    window.removeEventListener("message", this._onMessage);
    clearTimeout(this._loadTimer);
    clearTimeout(this._helloTimer);
    this._rejectLoaded(new TunnelError("client destroyed", "destroyed"));
    for (const [, waiters] of this._pending) {
      for (const w of waiters) {
        clearTimeout(w.timer);
        w.reject(new TunnelError("client destroyed", "destroyed"));
      }
    }
    this._pending.clear();
    for (const [, w] of this._imPending) {
      clearTimeout(w.timer);
      w.reject(new TunnelError("client destroyed", "destroyed"));
    }
    this._imPending.clear();
    this._emit("status", "destroyed");
    this._listeners = emptyListeners();
    this.iframe.remove();
  }

  /** Raw access for legacy code: sends `type|payload` to the tunnel. */
  send(type, payload) {
    this._send(type, payload);
  }

  _send(type, payload) {
    const w = this.iframe.contentWindow;
    // Only ever to the tunnel's own origin, never "*".
    if (w) w.postMessage(`${type}|${payload}`, this.tunnelOrigin);
  }

  _emit(kind, value) {
    for (const fn of [...this._listeners[kind]]) {
      try { fn(value); } catch (err) { setTimeout(() => { throw err; }); }
    }
  }

  _request(type, node) {
    return this.ready().then(() => new Promise((resolve, reject) => {
      const key = `${type}|${node}`;
      const waiter = { resolve, reject };
      waiter.timer = setTimeout(() => {
        // The tunnel still owes this reply; when it comes it must not be
        // taken for the answer to a later request for the same node.
        this._late.set(key, (this._late.get(key) || 0) + 1);
        this._settle(key, null, new TunnelError("the tunnel did not answer in time", "timeout"));
      }, this.timeoutMs);
      if (!this._pending.has(key)) this._pending.set(key, []);
      this._pending.get(key).push(waiter);
      this._send(type, node);
    }));
  }

  // A reply from the tunnel: first pay off replies owed to timed-out
  // requests, then answer the oldest waiter.
  _reply(key, value, error) {
    const late = this._late.get(key);
    if (late) {
      if (late === 1) this._late.delete(key); else this._late.set(key, late - 1);
      return false;
    }
    return this._settle(key, value, error);
  }

  _settle(key, value, error) {
    const waiters = this._pending.get(key);
    if (!waiters || waiters.length === 0) return false;
    const w = waiters.shift();
    if (waiters.length === 0) this._pending.delete(key);
    clearTimeout(w.timer);
    if (error) w.reject(error); else w.resolve(value);
    return true;
  }

  _waitStatus(good, bad, timeoutMs = this.timeoutMs) {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        reject(new TunnelError("no answer from the tunnel", "timeout"));
      }, timeoutMs);
      const off = this.on("status", (s) => {
        if (good.includes(s)) { clearTimeout(timer); off(); resolve(s); }
        else if (bad.includes(s)) { clearTimeout(timer); off(); reject(new TunnelError(`tunnel ${s}`, s)); }
      });
    });
  }

  _receive(e) {
    // Check both: the right origin and our own iframe (not another frame of
    // the same origin).
    if (e.origin !== this.tunnelOrigin || e.source !== this.iframe.contentWindow) return;
    if (typeof e.data !== "string") return;
    const bar = e.data.indexOf("|");
    if (bar < 1) return;
    const type = Number(e.data.slice(0, bar));
    const payload = e.data.slice(bar + 1);
    this._emit("message", { type, payload });
    switch (type) {
      case T.EVENT: return this._event(payload);
      case T.STATUS:
        this.status = payload;
        if (payload === "loaded") {
          clearTimeout(this._loadTimer);
          // Ready at HELLO, which comes next (so that `extensions` is set),
          // or shortly after: a legacy tunnel sends none.
          this._helloTimer = setTimeout(() => this._resolveLoaded(), 200);
        }
        return this._emit("status", payload);
      case T.RESOURCEID: this.resource = payload; return;
      case T.PRESENCE: return this._emit("presence", payload);
      case T.LOGGING: return this._emit("log", payload);
      case T.SUBSCRIBE:
      case T.UNSUBSCRIBE: return this._nodeReply(type, payload);
      case T.SUBSCRIPTIONS_REQ: {
        const key = `${T.SUBSCRIPTIONS_REQ}|`;
        if (payload.startsWith("[")) return this._reply(key, JSON.parse(payload));
        return this._reply(key, null, errorOf(payload));
      }
      case T.HELLO:
        try { this.extensions = JSON.parse(payload); } catch { this.extensions = null; }
        clearTimeout(this._helloTimer);
        return this._resolveLoaded();
      case T.GAP: {
        let reason = "";
        try { reason = String(JSON.parse(payload).reason ?? ""); } catch {}
        return this._emit("gap", { reason });
      }
      default: return this._imMessage(type, payload);
    }
  }

  // An IM reply (it has the id of our request) or event.
  _imMessage(type, payload) {
    if (type < 110) return;
    let msg;
    try { msg = JSON.parse(payload); } catch { return; }
    if (msg === null || typeof msg !== "object") return;
    if (typeof msg.id === "string") return this._imReply(msg);
    const kind = IM_EVENTS[type];
    if (kind) this._emit(kind, msg);
  }

  // `node` or `node|<ApiErrors>…</ApiErrors>`; the error part never holds a
  // `|`, but the node may.
  _nodeReply(type, payload) {
    const cut = payload.lastIndexOf("|<ApiErrors");
    const isError = cut >= 0 && payload.endsWith("</ApiErrors>");
    const node = isError ? payload.slice(0, cut) : payload;
    if (!isError) {
      if (type === T.SUBSCRIBE) this._subscribed.add(node); else this._subscribed.delete(node);
    }
    this._reply(`${type}|${node}`, node, isError ? errorOf(payload.slice(cut + 1)) : null);
  }

  // `encodeURI(node)` + payload: match a node we subscribed (or are
  // subscribing to), else split where the payload starts (`<` and `{` are
  // always escaped inside encodeURI). Only the first way is exact for every
  // payload: an empty or plain-text payload of an unknown node is ambiguous.
  _event(raw) {
    let node = null;
    const pending = [...this._pending.keys()].filter((k) => k.startsWith(`${T.SUBSCRIBE}|`)).map((k) => k.slice(2));
    for (const n of new Set([...this._subscribed, ...pending])) {
      const enc = encodeURI(n);
      if (raw.startsWith(enc) && (node === null || enc.length > encodeURI(node).length)) node = n;
    }
    let payload;
    if (node !== null) {
      payload = raw.slice(encodeURI(node).length);
    } else {
      const m = /[<{]/.exec(raw);
      const cut = m ? m.index : raw.length;
      try { node = decodeURI(raw.slice(0, cut)); } catch { node = raw.slice(0, cut); }
      payload = raw.slice(cut);
    }
    this._emit("event", { node, payload, raw });
  }
}
