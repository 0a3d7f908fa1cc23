// A minimal Chrome DevTools Protocol client over --remote-debugging-pipe
// (NUL-separated JSON on fds 3 and 4): for the cold-connect measurement,
// which needs network emulation on every target it touches, in the order it
// chooses (set before a paused frame runs), which a raw session makes plain.
// Never used by the throughput run, which must stay free of any DevTools client.
import { launchChromium } from "./chromium.mjs";
import { CHROMIUM_ARGS } from "../tests/browser/harness.mjs";

/**
 * launchCdp() → { browser, send(method, params, sessionId), on(fn), stop() }.
 * `on(fn)`: fn(method, params, sessionId) for every event; returns an off().
 */
export function launchCdp() {
  const browser = launchChromium("about:blank", { args: CHROMIUM_ARGS, pipe: true });
  const { toBrowser, fromBrowser } = browser.pipes;
  let nextId = 1;
  const pending = new Map();
  const listeners = new Set();
  let buffered = "";
  fromBrowser.setEncoding("utf8");
  fromBrowser.on("data", (chunk) => {
    buffered += chunk;
    let end;
    while ((end = buffered.indexOf("\0")) >= 0) {
      const msg = JSON.parse(buffered.slice(0, end));
      buffered = buffered.slice(end + 1);
      if (msg.id !== undefined) {
        const p = pending.get(msg.id);
        pending.delete(msg.id);
        if (msg.error) p?.reject(new Error(`${p.method}: ${msg.error.message}`));
        else p?.resolve(msg.result);
      } else {
        for (const fn of listeners) fn(msg.method, msg.params, msg.sessionId);
      }
    }
  });
  const closed = (why) => { for (const p of pending.values()) p.reject(new Error(`${p.method}: ${why}`)); pending.clear(); };
  fromBrowser.on("close", () => closed("the browser's pipe closed"));
  toBrowser.on("error", () => {}); // the browser went away; 'close' above rejects what waits
  return {
    browser,
    send(method, params = {}, sessionId) {
      const id = nextId++;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject, method });
        toBrowser.write(JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) }) + "\0");
      });
    },
    on(fn) { listeners.add(fn); return () => listeners.delete(fn); },
    stop: () => browser.stop(),
  };
}
