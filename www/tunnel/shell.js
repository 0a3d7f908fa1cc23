// The browser half of the shell (the Rust half is src/web/): it owns the
// WebSocket, XMLHttpRequest, timer and window listeners, hands every event to
// the wasm module and does what it is told. Its one check of its own: a
// message counts only if it comes from window.parent; the module applies the
// origin allow-list of config.json (missing: the tunnel's own origin only).
// Strings cross as UTF-8 in wasm memory: in through the module's input
// buffer (src/web/ffi.rs), out as (pointer, length) to the `io` functions.

// The build puts this script inline in index.html, so that both fetches
// start as soon as the page is parsed, in parallel (an external script would
// put its own round trip in front of them). config.json never comes from the
// HTTP cache (an edited allow-list applies at the next load).
const config = fetch("config.json", { cache: "no-store" }).then((r) => (r.ok ? r.text() : undefined), () => undefined);
const wasmFile = fetch("tunnel_bg.wasm");
const up = window.parent, sockets = new Map(), requests = new Map();
const encoder = new TextEncoder(), decoder = new TextDecoder();
let wasm, bytes = new Uint8Array(0), maxParent = 0, maxFrame = 0, maxBody = 0, worker, handle, target;
const forget = (x) => { x.onload = x.onerror = null; x.abort(); };
// A module of the page's, compiled while it streams in where the server
// labels it application/wasm, from its bytes where not.
const compile = (file, response = fetch(file)) => WebAssembly.compileStreaming(response)
  .catch(() => fetch(file).then((r) => r.arrayBuffer()).then((b) => WebAssembly.compile(b)));

// The memory's bytes (a new view once it has grown).
const mem = () => bytes.buffer === wasm.memory.buffer ? bytes : (bytes = new Uint8Array(wasm.memory.buffer));
const str = (p, n) => decoder.decode(mem().subarray(p, p + n));
// Writes strings into the input buffer, whole; returns their UTF-8 lengths
// (the module takes them as UTF-8 without checking again: src/web/ffi.rs).
function put(...s) {
  let room = 0;
  for (const x of s) room += x.length * 3;
  let p = wasm.tunnel_input(room);
  const m = mem();
  return s.map((x) => {
    const n = encoder.encodeInto(x, m.subarray(p, p + x.length * 3)).written;
    p += n;
    return n;
  });
}
// The same for one string, on the receive path.
function put1(x) {
  const n = x.length * 3, p = wasm.tunnel_input(n);
  return encoder.encodeInto(x, mem().subarray(p, p + n)).written;
}
const tick = () => wasm?.tunnel_timeout();

const io = {
  post_to: (m, n, o, k) => up.postMessage(str(m, n), str(o, k)),
  target: (o, k) => { target = str(o, k); },
  post: (m, n) => up.postMessage(str(m, n), target),
  open(conn, p, n) {
    const url = str(p, n);
    let ws;
    try { ws = new WebSocket(url, "xmpp"); } catch { return 0; }
    ws.onopen = () => wasm.tunnel_opened(conn, put1(ws.protocol));
    // Lengths are checked before a frame is copied into wasm memory; a
    // binary frame arrives as "" (RFC 7395 allows only text).
    ws.onmessage = ({ data }) => typeof data != "string" ? wasm.tunnel_message(conn, 0)
      : data.length > maxFrame ? wasm.tunnel_oversized(conn) : wasm.tunnel_message(conn, put1(data));
    ws.onclose = (e) => { sockets.delete(conn); wasm.tunnel_closed(conn, e.code); };
    sockets.set(conn, ws);
    return 1;
  },
  send(conn, p, n) { try { sockets.get(conn)?.send(str(p, n)); } catch {} },
  http(conn, rid, u, n, b, k) {
    const key = conn + ":" + rid, x = new XMLHttpRequest(), url = str(u, n), body = str(b, k);
    const old = requests.get(key);
    if (old) forget(old);
    const done = (status, text) => { requests.delete(key); wasm.tunnel_http(conn, rid, status, put1(text)); };
    x.onload = () => { const t = x.responseText; t.length > maxBody ? done(0, "") : done(x.status, t); };
    x.onerror = () => done(0, "");
    try {
      x.open("POST", url);
      x.setRequestHeader("Content-Type", "text/xml; charset=utf-8");
      x.send(body);
    } catch { return 0; }
    requests.set(key, x);
    return 1;
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
  log: (p, n) => console.log(str(p, n)),
  // Hidden iframes' timers are throttled (to one wake-up a minute, after a
  // while) but a dedicated worker's are not, so the one timer runs in a tiny
  // worker; where a CSP forbids blob: workers, it falls back to setTimeout.
  arm(ms) {
    // (Also once the worker has started: a setTimeout armed before it.)
    clearTimeout(handle);
    if (worker) return worker.postMessage(ms);
    if (ms >= 0) handle = setTimeout(tick, ms);
  },
  now: () => performance.now(),
  random: (p, n) => crypto.getRandomValues(mem().subarray(p, p + n)),
  // SCRAM's keys and proof (what src/xmpp/sasl/scram.rs's Derivation asks):
  // the module has no hashes. The answer comes back later; an empty one
  // (nothing could compute it) and the login fails.
  derive(conn, bits, keyed, p, n, s, k, iterations, a, m) {
    const secret = mem().slice(p, p + n), salt = mem().slice(s, s + k), auth = mem().slice(a, a + m);
    const back = (b = new Uint8Array(0)) => {
      secret.fill(0);
      mem().set(b, wasm.tunnel_input(b.length));
      wasm.tunnel_derived(conn, b.length);
      b.fill(0);
    };
    webScram(bits, keyed, secret, salt, iterations, auth)
      .catch(() => moduleScram(bits, keyed, secret, salt, iterations, auth))
      .then(back, () => back());
  },
};

// By WebCrypto (secure contexts only; native, and no hash code to download).
// Each call is a round trip to WebCrypto's thread, so independent ones run
// together: the login waits for the longest chain, not for all of them.
async function webScram(bits, keyed, secret, salt, iterations, auth) {
  const c = crypto.subtle, hash = "SHA-" + (bits > 160 ? bits : 1), n = bits / 8, out = new Uint8Array(4 * n);
  const alg = { name: "HMAC", hash }, key = (k) => c.importKey("raw", k, alg, false, ["sign"]);
  const sign = async (k, data) => new Uint8Array(await c.sign("HMAC", await k, data));
  let ck = secret.subarray(0, n), sk = secret.subarray(n);
  if (!keyed) {
    // SaltedPassword straight into an HMAC key: one call fewer than deriveBits + importKey.
    const pw = await c.importKey("raw", secret, "PBKDF2", false, ["deriveKey"]);
    const salted = c.deriveKey({ name: "PBKDF2", hash, salt, iterations }, pw, { ...alg, length: bits }, false, ["sign"]);
    [ck, sk] = await Promise.all([sign(salted, encoder.encode("Client Key")), sign(salted, encoder.encode("Server Key"))]);
  }
  const [signature, server] = await Promise.all([
    c.digest(hash, ck).then((stored) => sign(key(stored), auth)),
    sign(key(sk), auth),
  ]);
  out.set(ck);
  out.set(sk, n);
  out.set(signature.map((x, i) => x ^ ck[i]), 2 * n);
  out.set(server, 3 * n);
  return out;
}

// Where the page has no WebCrypto (plain http) or it fails: the core's own
// hashes as a module of their own, fetched only then, and instantiated
// afresh each time, so that no secret outlives the computation.
let scramModule;
async function moduleScram(bits, keyed, secret, salt, iterations, auth) {
  scramModule ??= compile("scram.wasm").catch((e) => { scramModule = null; throw e; });
  const x = (await WebAssembly.instantiate(await scramModule)).exports;
  const n = secret.length, k = salt.length, p = x.scram_input(n + k + auth.length);
  let m = new Uint8Array(x.memory.buffer);
  m.set(secret, p);
  m.set(salt, p + n);
  m.set(auth, p + n + k);
  const q = x.scram_derive(p, bits, keyed, n, k, iterations, auth.length);
  m = new Uint8Array(x.memory.buffer);
  const out = m.slice(q, q + bits / 2);
  m.fill(0);
  if (!q) throw new Error("scram.wasm refused the input");
  return out;
}

// Started a second after the tunnel, off the path to 4|loaded and out of the
// first login: a new worker costs the page's thread 2 ms or so, which at
// once after 4|loaded landed in the middle of the login (measured: a third
// of its time on a local server). Until then timers are setTimeout's: in a
// hidden frame that early they are at most aligned to the second (intensive
// throttling starts after minutes hidden).
const WORKER_DELAY_MS = 1000;
function startWorker() {
  try {
    const src = "let t;onmessage=e=>{clearTimeout(t);if(e.data>=0)t=setTimeout(()=>postMessage(0),e.data)}";
    const url = URL.createObjectURL(new Blob([src], { type: "text/javascript" }));
    worker = new Worker(url);
    URL.revokeObjectURL(url);
    worker.onmessage = tick;
    // Fire once so that the Shell re-arms, now on setTimeout.
    worker.onerror = () => { worker = null; tick(); };
  } catch { worker = null; }
}

addEventListener("message", (e) => {
  if (e.source !== up || !maxParent) return;
  const d = e.data, problem = typeof d != "string" ? 1 : d.length > maxParent ? 2 : 0;
  wasm.tunnel_parent(...put(e.origin, problem ? "" : d), problem);
});
addEventListener("pagehide", () => wasm?.tunnel_unload());

const tunnel = compile("tunnel_bg.wasm", wasmFile).then((m) => WebAssembly.instantiate(m, { io }));
Promise.all([config, tunnel]).then(([text, instance]) => {
  wasm = instance.exports;
  wasm.tunnel_start(text !== undefined, ...put(text ?? "", location.href, location.origin,
    location.ancestorOrigins?.[0] ?? "", document.referrer));
  maxParent = wasm.tunnel_limit(0);
  maxFrame = wasm.tunnel_limit(1);
  maxBody = wasm.tunnel_limit(2);
  setTimeout(startWorker, WORKER_DELAY_MS);
});
