// The benchmark's notifications, in ONE module used by both the fake XMPP
// server (which sends them) and the parent page (which checks them), so the
// parent can tell byte for byte what every delivered message must be.
//
// Each notification is a Finesse-style <Update> document of about 1 KB with a
// mark "SEQ:TS" in its <requestId>: the sequence number (loss, duplicates,
// order) and the send time in ms (latency). The time is
// performance.timeOrigin + performance.now(), in Node and in the browser alike
// (same machine clock), written with 3 decimals so that both sides build the
// same text from it.
import { NODE, PUBSUB } from "./account.mjs";

export { NODE };

/** Now, in ms since the epoch with fractions, as text: the TS of a mark. */
/** Now, in ms since the epoch, on the clock pages share (`performance.timeOrigin`). */
export const absNow = () => performance.timeOrigin + performance.now();

export function sentAt() {
  return absNow().toFixed(3);
}

// XML text escaping as a Finesse/Openfire server applies it to the payload:
// all five predefined entities, so a tunnel must undo every one of them.
function escapeText(s) {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" })[c]);
}

// The <Update> document, split around the mark. It carries what a real one
// carries (user state, reason code, team) plus the awkward bits a relay must
// keep intact: an escaped ampersand inside the document, quotes, non-ASCII
// text, a '|' (parents split replies on it), and newlines with indentation.
const UPDATE_HEAD = `<Update>
  <data>
    <user>
      <dialogs>${NODE}/Dialogs</dialogs>
      <extension>1001001</extension>
      <firstName>Zoë</firstName>
      <lastName>O'Brien-Müller</lastName>
      <loginId>1001001</loginId>
      <loginName>zoe.obrien</loginName>
      <mediaType>1</mediaType>
      <reasonCodeId>12</reasonCodeId>
      <reasonCode>
        <category>NOT_READY</category>
        <code>12</code>
        <label>Lunch &amp; "coffee" break | café €</label>
        <forAll>true</forAll>
        <id>12</id>
        <uri>/finesse/api/ReasonCode/12</uri>
      </reasonCode>
      <roles>
        <role>Agent</role>
      </roles>
      <state>NOT_READY</state>
      <stateChangeTime>2026-11-22T09:30:00.000Z</stateChangeTime>
      <teamId>7</teamId>
      <teamName>Claims &amp; Billing (2nd line)</teamName>
      <uri>${NODE}</uri>
    </user>
  </data>
  <event>PUT</event>
  <requestId>`;
const UPDATE_TAIL = `</requestId>
  <source>${NODE}</source>
</Update>`;

const ESC_HEAD = escapeText(UPDATE_HEAD);
const ESC_TAIL = escapeText(UPDATE_TAIL);
const EVENT_HEAD = "0|" + encodeURI(NODE) + UPDATE_HEAD;

const attr = (s) => s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" })[c]);

/** The <Update> document (what the parent must finally see), for tests and docs. */
export function updateDocument(seq, ts) {
  return UPDATE_HEAD + seq + ":" + ts + UPDATE_TAIL;
}

/**
 * The XEP-0060 notification stanza the server sends to full JID `to`:
 * the <Update> as escaped text in a Finesse <notification>, every stanza in
 * the jabber:client namespace (RFC 7395 frames are standalone elements).
 */
export function notificationStanza(seq, ts, to) {
  return `<message xmlns='jabber:client' from='${PUBSUB}' to='${attr(to)}' id='n${seq}'>` +
    `<event xmlns='http://jabber.org/protocol/pubsub#event'><items node='${attr(NODE)}'><item id='i${seq}'>` +
    `<notification xmlns='http://jabber.org/protocol/pubsub'>` + ESC_HEAD + seq + ":" + ts + ESC_TAIL +
    `</notification></item></items></event></message>`;
}

/** What a tunnel must post for it: type 0 EVENT, encodeURI(node) + the unescaped text. */
export function expectedEvent(seq, ts) {
  return EVENT_HEAD + seq + ":" + ts + UPDATE_TAIL;
}

// The mark, in either form: unescaped in an EVENT, escaped in a raw stanza.
const MARK = /requestId(?:>|&gt;)(\d+):(\d+\.\d{3})(?:<|&lt;)/;

/** { seq, ts } (ts as the text that was sent) from an EVENT or a stanza, or null. */
export function parseMark(text) {
  const m = MARK.exec(text);
  return m ? { seq: Number(m[1]), ts: m[2] } : null;
}
