// A small XMPP client for Node over WebSocket (RFC 7395). It plays the other
// XMPP accounts in tests and the demo (mostly the publisher), so it only does
// what they need: SASL PLAIN (loopback test servers allow it), bind, IQs and
// a few PubSub requests.
import WebSocket from 'ws';
import { parse } from 'ltx';

export const NS = {
  framing: 'urn:ietf:params:xml:ns:xmpp-framing',
  stream: 'http://etherx.jabber.org/streams',
  sasl: 'urn:ietf:params:xml:ns:xmpp-sasl',
  bind: 'urn:ietf:params:xml:ns:xmpp-bind',
  session: 'urn:ietf:params:xml:ns:xmpp-session',
  stanzas: 'urn:ietf:params:xml:ns:xmpp-stanzas',
  pubsub: 'http://jabber.org/protocol/pubsub',
  pubsubEvent: 'http://jabber.org/protocol/pubsub#event',
};

const IQ_TIMEOUT_MS = 10_000;

/** Escapes text for use in XML character data and attribute values. */
export function escapeXml(text) {
  return String(text).replace(/[&<>"']/g, (c) =>
    ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]);
}

/** Tagged template: `xml\`<a b='${v}'/>\`` escapes every interpolated value. */
export function xml(strings, ...values) {
  return strings.reduce((out, s, i) => out + escapeXml(values[i - 1]) + s);
}

/** Error for an IQ of type error; `stanza` is its XML, `condition` e.g. 'conflict'. */
export class XmppError extends Error {
  constructor(el, stanza) {
    const err = el.getChild('error');
    const cond = err?.children.find((c) => typeof c !== 'string' && c.getNS() === NS.stanzas && c.getName() !== 'text');
    super(`XMPP error ${cond?.getName() ?? 'unknown'}: ${stanza}`);
    this.condition = cond?.getName();
    this.stanza = stanza;
  }
}

/** Items of a PubSub event message: [{ node, id, payload }], payload an ltx Element. */
export function pubsubItems(el) {
  const items = el.getChild('event', NS.pubsubEvent)?.getChild('items');
  if (!items) return [];
  return items.getChildren('item').map((item) => ({
    node: items.attrs.node,
    id: item.attrs.id,
    payload: item.children.find((c) => typeof c !== 'string'),
  }));
}

/** Opens a session: connect, SASL PLAIN, bind `resource`, initial presence. */
export async function connectClient({ url, domain, user, password, resource = 'node' }) {
  const ws = new WebSocket(url, 'xmpp');
  const listeners = new Set();
  const waiters = new Set();
  let closed = false;
  let nextId = 0;

  const closedPromise = new Promise((resolve) => ws.once('close', () => {
    closed = true;
    for (const w of waiters) w.reject(new Error('XMPP WebSocket closed'));
    resolve();
  }));
  ws.on('message', (data) => {
    const text = data.toString('utf8');
    let el;
    try { el = parse(text); } catch { return; } // not a frame we can use
    for (const w of waiters) if (w.match(el)) { waiters.delete(w); w.resolve({ el, xml: text }); break; }
    for (const fn of listeners) {
      try { fn(el, text); } catch (e) { console.error('xmpp-client: onStanza handler threw:', e); }
    }
  });
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  ws.on('error', () => {}); // surfaced through 'close'

  // RFC 7395 frames are namespaced one by one: stanzas need jabber:client.
  // Parsing also refuses malformed XML before it reaches the server.
  const send = (text) => {
    if (closed) throw new Error('XMPP WebSocket closed');
    const el = typeof text === 'string' ? parse(text) : text;
    el.attrs.xmlns ??= 'jabber:client';
    ws.send(el.toString());
  };
  // Resolves with the next incoming frame that `match` accepts (one waiter per frame).
  const waitFor = (match, timeoutMs = IQ_TIMEOUT_MS) => new Promise((resolve, reject) => {
    if (closed) return reject(new Error('XMPP WebSocket closed'));
    const w = {
      match,
      resolve: (v) => { clearTimeout(timer); resolve(v); },
      reject: (e) => { clearTimeout(timer); waiters.delete(w); reject(e); },
    };
    const timer = setTimeout(() => w.reject(new Error(`XMPP timeout after ${timeoutMs} ms`)), timeoutMs);
    waiters.add(w);
  });
  const openStream = async () => {
    // Both waiters first: <open/> and features may arrive in one TCP read.
    const opened = waitFor((el) => el.getName() === 'open');
    const features = waitFor((el) => el.getName() === 'features');
    send(xml`<open xmlns='${NS.framing}' to='${domain}' version='1.0'/>`);
    await opened;
    return (await features).el;
  };

  const iq = async (text) => {
    const el = parse(text);
    el.attrs.id ??= `c${++nextId}`;
    const id = el.attrs.id;
    const reply = waitFor((r) => r.getName() === 'iq' && r.attrs.id === id && /^(result|error)$/.test(r.attrs.type));
    // A send that throws (the socket closed) must not leave the waiter's
    // rejection unhandled: the caller gets the send's error.
    reply.catch(() => {});
    send(el);
    const { el: r, xml: rxml } = await reply;
    if (r.attrs.type === 'error') throw new XmppError(r, rxml);
    return rxml;
  };

  // Log in; on any failure drop the socket so nothing is left open.
  let jid, mechanisms;
  try {
    let features = await openStream();
    mechanisms = features.getChild('mechanisms', NS.sasl)?.getChildren('mechanism').map((m) => m.text()) ?? [];
    if (!mechanisms.includes('PLAIN')) throw new Error(`server offers no PLAIN (only ${mechanisms})`);
    const creds = Buffer.from(`\0${user}\0${password}`, 'utf8').toString('base64');
    send(xml`<auth xmlns='${NS.sasl}' mechanism='PLAIN'>${creds}</auth>`);
    const { el: outcome, xml: outcomeXml } = await waitFor((el) => el.getNS() === NS.sasl);
    if (outcome.getName() !== 'success') throw new Error(`SASL failed for ${user}: ${outcomeXml}`);

    features = await openStream();
    const bound = parse(await iq(xml`<iq type='set'><bind xmlns='${NS.bind}'><resource>${resource}</resource></bind></iq>`));
    jid = bound.getChild('bind', NS.bind).getChildText('jid');
    // Legacy session establishment, only where the server still requires it.
    const session = features.getChild('session', NS.session);
    if (session && !session.getChild('optional')) await iq(xml`<iq type='set'><session xmlns='${NS.session}'/></iq>`);
    send('<presence/>');
  } catch (e) {
    ws.terminate();
    throw e;
  }

  const client = {
    jid,
    mechanisms, // SASL mechanisms the server offered
    /** The socket has closed (the server went away, or close()). */
    get closed() { return closed; },
    send,
    iq,
    waitFor,
    /** fn(element, xmlText) for every incoming frame (IQ replies too); returns an unsubscribe. */
    onStanza(fn) { listeners.add(fn); return () => listeners.delete(fn); },
    async createNode(service, node) {
      try {
        await iq(xml`<iq type='set' to='${service}'><pubsub xmlns='${NS.pubsub}'><create node='${node}'/></pubsub></iq>`);
      } catch (e) {
        if (e.condition !== 'conflict') throw e; // already exists: fine
      }
    },
    /** itemXml is trusted XML (build it with escapeXml / xml``). */
    publish(service, node, itemXml, itemId) {
      const idAttr = itemId === undefined ? '' : xml` id='${itemId}'`;
      return iq(xml`<iq type='set' to='${service}'><pubsub xmlns='${NS.pubsub}'><publish node='${node}'>`
        + `<item${idAttr}>${itemXml}</item></publish></pubsub></iq>`);
    },
    /** Subscribes this full JID, so events reach this very session. */
    subscribe(service, node) {
      return iq(xml`<iq type='set' to='${service}'><pubsub xmlns='${NS.pubsub}'><subscribe node='${node}' jid='${jid}'/></pubsub></iq>`);
    },
    async close() {
      if (closed) return;
      try {
        const answered = waitFor((el) => el.getName() === 'close', 2000).catch(() => {});
        send(xml`<close xmlns='${NS.framing}'/>`);
        await answered;
      } catch { /* already closing */ }
      ws.close();
      await Promise.race([closedPromise, new Promise((r) => setTimeout(r, 2000))]);
      if (!closed) ws.terminate();
    },
  };
  return client;
}
