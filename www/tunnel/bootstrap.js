// The tunnel page's bootstrap: everything else is Rust (src/web/), reached
// through wasm-bindgen's generated glue, which the build bundles with this
// file and puts inline in index.html and im.html. Its first lines request
// config.json and the module at once, in parallel; config.json never comes
// from the HTTP cache (an edited allow-list applies at the next load). The
// module is tunnel_bg.wasm (index.html) or, with instant messaging,
// tunnel-im_bg.wasm (im.html): the build bundles this file once for each,
// with that module's glue ("tunnel-glue") and name (TUNNEL_MODULE).
import initTunnel, { start } from "tunnel-glue";

const config = fetch("config.json", { cache: "no-store" }).then((r) => (r.ok ? r.text() : undefined), () => undefined);
// eslint-disable-next-line no-undef
const tunnel = initTunnel({ module_or_path: fetch(TUNNEL_MODULE) });
// The stream a first login most likely uses, opened now so that its round
// trips overlap the module's download: the default endpoint (/ws/ on this
// origin) and this host as the XMPP domain (a host name of letters, digits,
// dots and hyphens, nothing to escape). The server's answers wait in
// `frames` (a few at most: it has nothing more to say before a login). The
// shell takes the socket over for a login to that URL and domain, or closes
// it (src/web/early.rs).
let early;
try {
  const socket = new WebSocket(location.origin.replace(/^http/, "ws") + "/ws/", "xmpp");
  const host = location.hostname;
  const frames = [];
  early = { socket, sent: undefined, take: () => (socket.onopen = socket.onmessage = null, frames) };
  socket.onopen = () => {
    if (socket.protocol !== "xmpp" || !/^[a-z0-9.-]+$/.test(host)) return;
    early.sent = `<open xmlns="urn:ietf:params:xml:ns:xmpp-framing" to="${host}" version="1.0"/>`;
    socket.send(early.sent);
  };
  socket.onmessage = (e) => frames.push(e.data) > 8 && socket.close();
} catch {}

// SCRAM's keys and proof where the page has no WebCrypto (plain http): the
// fallback module, in a worker of its own (scram-worker.js), started at the
// first login that needs it (src/web/scram.rs). The secret is transferred,
// so no copy stays on this thread; a worker that fails is replaced next time.
let scram;
const asked = new Map();
let asks = 0;
function scramWorker() {
  const worker = new Worker("scram-worker.js", { type: "module" });
  const fail = (error) => {
    for (const { reject } of asked.values()) reject(error);
    asked.clear();
    worker.terminate();
    if (scram === worker) scram = undefined;
  };
  worker.onmessage = ({ data: [id, answer, error] }) => {
    if (!answer) return fail(new Error(error));
    asked.get(id)?.resolve(answer);
    asked.delete(id);
  };
  worker.onerror = (e) => fail(new Error(e.message || "scram-worker.js failed"));
  return worker;
}
function scramFallback(bits, keyed, secret, salt, iterations, auth) {
  scram ??= scramWorker();
  const id = ++asks;
  return new Promise((resolve, reject) => {
    asked.set(id, { resolve, reject });
    scram.postMessage([id, bits, keyed, secret, salt, iterations, auth], [secret.buffer]);
  });
}

Promise.all([config, tunnel]).then(([text]) => start(text, scramFallback, early));
