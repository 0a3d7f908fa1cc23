// The tunnel page's bootstrap: everything else is Rust (src/web/), reached
// through wasm-bindgen's generated glue, which the build bundles with this
// file and puts inline in index.html. Its first lines request config.json
// and the module at once, in parallel; config.json never comes from the
// HTTP cache (an edited allow-list applies at the next load).
import initTunnel, { start } from "../../build/pkg/tunnel.js";
import initScram, { derive } from "../../build/pkg/scram.js";

const config = fetch("config.json", { cache: "no-store" }).then((r) => (r.ok ? r.text() : undefined), () => undefined);
const tunnel = initTunnel({ module_or_path: fetch("tunnel_bg.wasm") });
// The socket a first login most likely uses (the default endpoint, /ws/ on
// this origin), opened now: its round trips overlap the module's download.
// The shell takes it over for a connection to that URL, or closes it.
let early;
try { early = new WebSocket(location.origin.replace(/^http/, "ws") + "/ws/", "xmpp"); } catch {}

// SCRAM's keys and proof where the page has no WebCrypto (plain http): the
// fallback module, fetched at the first login that needs it (src/web/scram.rs).
let scram;
function scramFallback(bits, keyed, secret, salt, iterations, auth) {
  scram ??= initScram({ module_or_path: "scram.wasm" }).catch((e) => { scram = undefined; throw e; });
  return scram.then(() => derive(bits, keyed, secret, salt, iterations, auth));
}

Promise.all([config, tunnel]).then(([text]) => start(text, scramFallback, early));
