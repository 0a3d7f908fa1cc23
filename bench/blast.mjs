// Sends notifications to one session: a burst (as fast as the socket takes
// them) or a paced stream (a fixed rate). Each stanza's timestamp is taken
// right before it is handed to the socket, and the burst respects
// backpressure: above HIGH_WATER bytes buffered in user space it waits until
// the socket has flushed, so stanzas do not sit in Node's buffer with a stale
// timestamp (what the kernel and the browser buffer is part of the latency).
import { notificationStanza, sentAt } from "./notifications.mjs";

const HIGH_WATER = 64 * 1024;

// Waits that end early when the burst is aborted (a stalled tunnel stops
// reading, and then the socket never drains).
function abortable(promise, signal) {
  if (!signal) return promise;
  return new Promise((resolve) => {
    const done = () => { signal.removeEventListener("abort", done); resolve(); };
    signal.addEventListener("abort", done);
    promise.then(done, done);
  });
}
const sleep = (ms, signal) => {
  let timer;
  return abortable(new Promise((r) => { timer = setTimeout(r, ms); }), signal).finally(() => clearTimeout(timer));
};

/**
 * blast(session, { first, n, mode: "burst"|"paced", rate, signal })
 * → { sent, sendMs, sendRate, waits, maxBuffered, error? }
 */
export async function blast(session, { first, n, mode = "burst", rate = 1000, signal }) {
  const { ws, jid } = session;
  let sent = 0, waits = 0, maxBuffered = 0, error;
  const t0 = performance.now();
  const interval = 1000 / rate;
  try {
    for (let i = 0; i < n; i++) {
      if (signal?.aborted) { error = "aborted"; break; }
      if (ws.readyState !== ws.OPEN) { error = "socket closed"; break; }
      if (mode === "paced") {
        const wait = t0 + i * interval - performance.now();
        if (wait >= 1) await sleep(wait, signal); // Node timers have 1 ms steps; a late tick catches up
      }
      const stanza = notificationStanza(first + i, sentAt(), jid);
      if (ws.bufferedAmount < HIGH_WATER) {
        ws.send(stanza);
      } else {
        waits++;
        maxBuffered = Math.max(maxBuffered, ws.bufferedAmount);
        // The callback fires once this frame (and so all before it) is written out.
        await abortable(new Promise((resolve) => ws.send(stanza, resolve)), signal);
      }
      sent++;
    }
  } catch (e) {
    error = e.message;
  }
  const sendMs = performance.now() - t0;
  return { sent, sendMs, sendRate: sent > 1 ? (sent / sendMs) * 1000 : 0, waits, maxBuffered, ...(error ? { error } : {}) };
}
