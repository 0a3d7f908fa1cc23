// The browser half of the shell (the Rust half is src/web/): it owns the
// WebSocket, XMLHttpRequest, timer and window listeners, hands every event to
// the wasm Shell and does what it is told. Its one check of its own: a
// message counts only if it comes from window.parent; the Shell applies the
// origin allow-list of config.json (missing: the tunnel's own origin only).
// The wasm-bindgen glue (build.sh bundles the two into tunnel.js).
import init, { Shell } from "./tunnel.js";

const up = window.parent, sockets = new Map(), requests = new Map();
let shell, maxParent = 0, maxFrame = 0, maxBody = 0, worker, handle, target;
const forget = (x) => { x.onload = x.onerror = null; x.abort(); };
const tick = () => shell?.timeout();

globalThis.tunnelIO = {
  post_to: (msg, origin) => up.postMessage(msg, origin),
  target: (origin) => { target = origin; },
  post: (msg) => up.postMessage(msg, target),
  open(conn, url) {
    let ws;
    try { ws = new WebSocket(url, "xmpp"); } catch { return false; }
    ws.onopen = () => shell.opened(conn, ws.protocol);
    // Lengths are checked before a frame is copied into wasm memory; a
    // binary frame arrives as "" (RFC 7395 allows only text).
    ws.onmessage = ({ data }) => typeof data != "string" ? shell.message(conn, "")
      : data.length > maxFrame ? shell.oversized(conn) : shell.message(conn, data);
    ws.onclose = (e) => { sockets.delete(conn); shell.closed(conn, e.code); };
    sockets.set(conn, ws);
    return true;
  },
  send(conn, data) { try { sockets.get(conn)?.send(data); } catch {} },
  http(conn, rid, url, body) {
    const key = conn + ":" + rid, x = new XMLHttpRequest();
    const old = requests.get(key);
    if (old) forget(old);
    const done = (status, text) => { requests.delete(key); shell.http(conn, rid, status, text); };
    x.onload = () => { const t = x.responseText; t.length > maxBody ? done(0, "") : done(x.status, t); };
    x.onerror = () => done(0, "");
    try {
      x.open("POST", url);
      x.setRequestHeader("Content-Type", "text/xml; charset=utf-8");
      x.send(body);
    } catch { return false; }
    requests.set(key, x);
    return true;
  },
  abort(conn, rid) {
    const key = conn + ":" + rid, x = requests.get(key);
    if (x) { requests.delete(key); forget(x); }
  },
  close(conn) {
    const ws = sockets.get(conn);
    if (ws) { sockets.delete(conn); ws.onopen = ws.onmessage = ws.onclose = null; ws.close(); }
    for (const [key, x] of requests) if (key.startsWith(conn + ":")) { requests.delete(key); forget(x); }
  },
  log: (line) => console.log(line),
  // Hidden iframes' timers are throttled (to one wake-up a minute, after a
  // while) but a dedicated worker's are not, so the one timer runs in a tiny
  // worker; where a CSP forbids blob: workers, it falls back to setTimeout.
  arm(ms) {
    if (worker) return worker.postMessage(ms);
    clearTimeout(handle);
    if (ms >= 0) handle = setTimeout(tick, ms);
  },
  now: () => performance.now(),
  random: (buf) => crypto.getRandomValues(buf),
};

try {
  const src = "let t;onmessage=e=>{clearTimeout(t);if(e.data>=0)t=setTimeout(()=>postMessage(0),e.data)}";
  const url = URL.createObjectURL(new Blob([src], { type: "text/javascript" }));
  worker = new Worker(url);
  URL.revokeObjectURL(url);
  worker.onmessage = tick;
  // Fire once so that the Shell re-arms, now on setTimeout.
  worker.onerror = () => { worker = null; tick(); };
} catch { worker = null; }

addEventListener("message", (e) => {
  if (e.source !== up || !shell) return;
  const d = e.data;
  if (typeof d != "string") shell.parent(e.origin, "", 1);
  else if (d.length > maxParent) shell.parent(e.origin, "", 2);
  else shell.parent(e.origin, d, 0);
});
addEventListener("pagehide", () => shell?.unload());

const config = fetch("config.json", { cache: "no-store" }).then((r) => (r.ok ? r.text() : undefined), () => undefined);
const [text] = await Promise.all([config, init()]);
shell = Shell.start(text, location.href, location.origin, location.ancestorOrigins?.[0] ?? "", document.referrer);
maxParent = shell.max_parent();
maxFrame = shell.max_frame();
maxBody = shell.max_body();
