// The benchmark's servers, in the runner's process:
//
//  origin P = http://127.0.0.1:PORT1  the parent page, the shared modules it
//             imports, and the control API it drives the run with (/ctl/…,
//             same origin as the page, so no CORS);
//  origin T = http://localhost:PORT2  the three tunnel pages (/ceiling/,
//             /incumbent/, /tunnel/ = our build), the memory probe, and the
//             WebSockets: /ws/ (fake XMPP) and /raw (the ceiling's) — the
//             tunnel pages and their sockets on one origin, as in production.
import crypto from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { fileURLToPath } from "node:url";
import zlib from "node:zlib";
import { WebSocketServer } from "ws";
import { freePort } from "../tests/support/ports.mjs";
import { builtTunnel } from "../tests/support/tunnel-dir.mjs";
import { USER, PASSWORD, DOMAIN, PUBSUB, NODE } from "./account.mjs";
import { absNow, sentAt } from "./notifications.mjs";
import { accounts, serveXmpp, serveRaw } from "./xmpp-server.mjs";
import { blast } from "./blast.mjs";
import { cpuSnapshot, cpuDelta } from "./procstat.mjs";

const benchDir = path.dirname(fileURLToPath(import.meta.url));
const pagesDir = path.join(benchDir, "pages");
const stropheFile = path.join(benchDir, "..", "node_modules", "strophe.js", "dist", "strophe.umd.min.js");

/**
 * The tunnel build the bench serves: build/tunnel/, or BENCH_TUNNEL_DIR (a
 * copy, for a long measurement while build/tunnel/ may be rebuilt).
 */
export const TUNNEL_DIR = path.resolve(process.env.BENCH_TUNNEL_DIR || builtTunnel);

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".wasm": "application/wasm",
};
const typeOf = (file) => TYPES[path.extname(file)] ?? "application/octet-stream";

export const PROBE_TAG = `<script src="/bench/probe.js"></script>`;

/**
 * Puts the probe tag first in <head> (after <head …> when the page has one,
 * else after the doctype, where the parser opens <head> by itself), so it
 * runs before any script of the page.
 */
export function injectProbe(html) {
  const head = /<head(\s[^>]*)?>/i.exec(html);
  if (head) return html.slice(0, head.index + head[0].length) + PROBE_TAG + html.slice(head.index + head[0].length);
  const doctype = /^\s*<!doctype[^>]*>/i.exec(html);
  if (doctype) return doctype[0] + PROBE_TAG + html.slice(doctype[0].length);
  return PROBE_TAG + html;
}

/** A page as the tunnel itself is: the probe tag (and its line) taken out. */
export function withoutProbe(html) {
  return html.replace(new RegExp(`${PROBE_TAG.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}\\n?`), "");
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      try { resolve(chunks.length ? JSON.parse(Buffer.concat(chunks).toString("utf8")) : {}); } catch (e) { reject(e); }
    });
    req.on("error", reject);
  });
}

/**
 * A WebSocket as serveXmpp sees it, `ms` further away: each frame the client
 * sent is handed on `ms` after it arrived, each frame to the client goes out
 * `ms` after it was sent (order kept: Node runs equal timeouts in order).
 * For the cold-connect run only: Chromium's network emulation adds its
 * latency to HTTP requests and the WebSocket handshake, not to frames.
 */
function delayedSocket(ws, ms) {
  return {
    get readyState() { return ws.readyState; },
    send: (data) => setTimeout(() => { if (ws.readyState === ws.OPEN) ws.send(data); }, ms),
    on(event, fn) {
      ws.on(event, event === "message" ? (...a) => setTimeout(() => fn(...a), ms) : fn);
      return this;
    },
    close: (...a) => ws.close(...a),
    terminate: () => ws.terminate(),
  };
}

/**
 * startBenchServer({ log, traceXmpp, gzip, probe, wsDelayMs, observe }) → {
 *   parentOrigin, tunnelOrigin, parentUrl(runId), beginRun(plan) → run,
 *   setBrowserPid(pid), served, stop() }
 * A run: { id, plan, report: Promise, onProgress(fn), onLog(fn) }.
 * The throughput run uses the defaults. The cold-connect run (cold.mjs):
 * `gzip` (tunnel files gzip-compressed when the request accepts it, as a
 * production server sends them), `probe: false` (the pages exactly as they
 * are), `wsDelayMs` (one way, on every XMPP frame), and `observe(event)`:
 * every tunnel response ({ kind: "http", path, status, bytes, encoding }) and
 * WebSocket event ({ kind: "ws", conn, what, path, text, bytes }) with the
 * time `at` (performance.timeOrigin + now(), the clock the pages use).
 * `linkCheck` (html): that page at /bench/link.html, with /bench/ping,
 * /bench/bulk (250,000 bytes) and an undelayed echo socket /echo for it.
 */
export async function startBenchServer({ log = console.log, traceXmpp = false, gzip = false, probe: withProbe = true, wsDelayMs = 0, observe = null, linkCheck = null } = {}) {
  const [portP, portT] = [await freePort(), await freePort()];
  const parentOrigin = `http://127.0.0.1:${portP}`;
  const tunnelOrigin = `http://localhost:${portT}`;
  const users = accounts({ [USER]: PASSWORD });
  const registry = new Map();
  const runs = new Map();
  const bursts = new Map();
  let browserPid = null;
  // Every file a tunnel page loaded: prefix → Map(path → bytes as the tunnel is, without the probe).
  const served = { ceiling: new Map(), incumbent: new Map(), ours: new Map() };

  const send = (res, status, type, body, headers = {}) => {
    res.writeHead(status, { "Content-Type": type, ...headers });
    res.end(body);
  };
  const json = (res, body, status = 200) => send(res, status, TYPES[".json"], JSON.stringify(body), { "Cache-Control": "no-store" });
  const template = (text) => text.replaceAll("%%PARENT_ORIGIN%%", parentOrigin);
  // The probe goes into each page inline, not as a script of its own: a
  // blocking external script would put a round trip in front of every
  // script of the page, which no production page has.
  const probe = template(fs.readFileSync(path.join(pagesDir, "probe.js"), "utf8"));
  const inlineProbe = (html) => (withProbe ? html.replace(PROBE_TAG, () => `<script>${probe}</script>`) : withoutProbe(html));
  const withProbeTag = (html) => (withProbe ? injectProbe(html) : html);
  const observed = (req, status, body, encoding) => observe?.({
    kind: "http", at: absNow(), path: new URL(req.url, "http://x").pathname, status, bytes: body ? body.length : 0, encoding,
  });
  const gzipped = new Map(); // etag → gzip -9 of the body: compressed once, as a deployment would precompress

  // Static tunnel files as a production server would serve them: revalidated
  // each load (ETag), so fresh iframes get 304s and the browser's code caches.
  const serveStatic = (req, res, body, type) => {
    let etag = `"${crypto.createHash("sha1").update(body).digest("base64url")}"`;
    const headers = { "Cache-Control": "no-cache", ETag: etag };
    if (gzip) {
      headers.Vary = "Accept-Encoding";
      if (/\bgzip\b/.test(req.headers["accept-encoding"] ?? "")) {
        if (!gzipped.has(etag)) gzipped.set(etag, zlib.gzipSync(body, { level: 9 }));
        body = gzipped.get(etag);
        headers.ETag = etag = `${etag.slice(0, -1)}-gzip"`;
        headers["Content-Encoding"] = "gzip";
      }
    }
    if (req.headers["if-none-match"] === etag) { observed(req, 304, null); res.writeHead(304, headers); return res.end(); }
    observed(req, 200, body, headers["Content-Encoding"] ?? "identity");
    send(res, 200, type, req.method === "HEAD" ? undefined : body, headers);
  };

  // ---- origin T: tunnel pages, probe, WebSockets ----
  const tunnelConfig = JSON.stringify({ allowedOrigins: [parentOrigin], websocket: ["/ws/"] });
  const tunnelServer = http.createServer(async (req, res) => {
    try {
      const url = new URL(req.url, tunnelOrigin);
      const p = url.pathname;
      if (p === "/bench/warm.html") return serveStatic(req, res, Buffer.from("<!doctype html><title>warm-up</title>"), TYPES[".html"]);
      if (linkCheck && p === "/bench/link.html") return send(res, 200, TYPES[".html"], linkCheck, { "Cache-Control": "no-store" });
      if (linkCheck && p === "/bench/ping") return send(res, 200, "text/plain", "ok", { "Cache-Control": "no-store" });
      if (linkCheck && p === "/bench/bulk") return send(res, 200, "application/octet-stream", crypto.randomBytes(250000), { "Cache-Control": "no-store" });
      if (p === "/ceiling/") {
        const html = template(fs.readFileSync(path.join(pagesDir, "ceiling.html"), "utf8"));
        served.ceiling.set(p, Buffer.from(withoutProbe(html)));
        return serveStatic(req, res, Buffer.from(inlineProbe(html)), TYPES[".html"]);
      }
      if (p.startsWith("/incumbent/")) {
        const files = { "/incumbent/": "incumbent.html", "/incumbent/incumbent.js": "incumbent.js" };
        let body;
        if (p === "/incumbent/strophe.umd.min.js") body = fs.readFileSync(stropheFile); // as shipped
        else if (files[p]) body = Buffer.from(template(fs.readFileSync(path.join(pagesDir, files[p]), "utf8")));
        else return send(res, 404, "text/plain", "not found\n");
        served.incumbent.set(p, p.endsWith("/") ? Buffer.from(withoutProbe(body.toString("utf8"))) : body);
        if (p.endsWith("/")) body = Buffer.from(inlineProbe(body.toString("utf8")));
        return serveStatic(req, res, body, p.endsWith("/") ? TYPES[".html"] : TYPES[".js"]);
      }
      if (p.startsWith("/tunnel/")) {
        if (p === "/tunnel/config.json") {
          observed(req, 200, Buffer.from(tunnelConfig), "identity");
          return json(res, JSON.parse(tunnelConfig));
        }
        const rel = p === "/tunnel/" ? "index.html" : decodeURIComponent(p.slice("/tunnel/".length));
        const file = path.join(TUNNEL_DIR, path.normalize(rel));
        if (!file.startsWith(TUNNEL_DIR + path.sep) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
          return send(res, 404, "text/plain", "not found\n");
        }
        let body = fs.readFileSync(file);
        served.ours.set(p, body);
        if (file.endsWith(".html")) body = Buffer.from(inlineProbe(withProbeTag(body.toString("utf8"))));
        return serveStatic(req, res, body, typeOf(file));
      }
      send(res, 404, "text/plain", "not found\n");
    } catch (e) {
      if (!res.headersSent) send(res, 500, "text/plain", `${e.stack}\n`);
    }
  });
  // Each line with the milliseconds since its socket connected: where a login spends its time.
  const trace = (t0) => (traceXmpp ? (t) => log(`xmpp +${(performance.now() - t0).toFixed(1).padStart(5)} ms ${t.slice(0, 300)}`) : null);
  const xmppWss = new WebSocketServer({ noServer: true, perMessageDeflate: false, handleProtocols: (ps) => (ps.has("xmpp") ? "xmpp" : false) });
  const rawWss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  const echoWss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  echoWss.on("connection", (ws) => ws.on("message", (d, binary) => ws.send(d, { binary })));
  let wsCount = 0;
  xmppWss.on("connection", (ws, req) => {
    // The cold-connect run's timeline: every frame as the server's XMPP side
    // gets or sends it (so after / before the emulated one-way delay).
    const seen = { kind: "ws", conn: req.benchConn, path: new URL(req.url, tunnelOrigin).pathname };
    if (observe) {
      ws.on("message", (d) => observe({ ...seen, what: "in", at: absNow() + wsDelayMs, bytes: d.length, text: d.toString("utf8").slice(0, 80) }));
      ws.on("close", () => observe({ ...seen, what: "close", at: absNow() }));
    }
    const sock = wsDelayMs ? delayedSocket(ws, wsDelayMs) : ws;
    if (observe) {
      const send = sock.send;
      sock.send = (data) => { observe({ ...seen, what: "out", at: absNow(), bytes: Buffer.byteLength(data), text: String(data).slice(0, 80) }); return send.call(sock, data); };
    }
    serveXmpp(sock, { domain: DOMAIN, pubsub: PUBSUB, users, registry, log: trace(performance.now()) });
  });
  rawWss.on("connection", (ws) => serveRaw(ws, { domain: DOMAIN, user: USER, registry }));
  tunnelServer.on("upgrade", (req, socket, head) => {
    const p = new URL(req.url, tunnelOrigin).pathname;
    // Only the tunnel pages' own origin may open the sockets (as a real server would check).
    if (req.headers.origin !== tunnelOrigin) { socket.destroy(); return; }
    const wss = p === "/ws/" || p === "/ws" ? xmppWss : p === "/raw" ? rawWss : linkCheck && p === "/echo" ? echoWss : null;
    if (!wss) { socket.destroy(); return; }
    req.benchConn = ++wsCount;
    observe?.({ kind: "ws", what: "upgrade", conn: req.benchConn, at: absNow(), path: p });
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit("connection", ws, req));
  });

  // ---- origin P: the parent page and the control API ----
  const findSession = async (resource, needsNode) => {
    const deadline = Date.now() + 3000;
    for (;;) {
      const s = registry.get(resource);
      if (s && (s.kind === "raw" || !needsNode || s.subscriptions.has(NODE))) return s;
      if (Date.now() > deadline) return null;
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  const control = {
    "GET /ctl/plan": (run) => run.plan,
    "GET /ctl/clock": () => ({ t: sentAt() }),
    "POST /ctl/progress": (run, body) => { run.progress(body.text); return {}; },
    "POST /ctl/log": (run, body) => { for (const l of body.lines ?? []) run.log(l); return {}; },
    "POST /ctl/report": (run, body) => { run.finish(body); return {}; },
    "POST /ctl/fail": (run, body) => { run.fail(new Error(`parent page: ${body.error}`)); return {}; },
    "POST /ctl/burst": async (run, body) => {
      const session = await findSession(body.resource, true);
      if (!session) return { ok: false, error: `no session subscribed to ${NODE} with resource ${body.resource}` };
      const key = `${run.id}:${body.first}`;
      const controller = new AbortController();
      const burst = { controller, cpu0: browserPid ? cpuSnapshot(browserPid) : null, result: null };
      bursts.set(key, burst);
      burst.result = blast(session, { first: body.first, n: body.n, mode: body.mode, rate: body.rate, signal: controller.signal });
      return { ok: true, ...(await burst.result) };
    },
    "POST /ctl/burst-done": async (run, body) => {
      const key = `${run.id}:${body.first}`;
      const burst = bursts.get(key);
      if (!burst) return { ok: false, error: "unknown burst" };
      const cpu1 = browserPid ? cpuSnapshot(browserPid) : null;
      if (body.aborted) burst.controller.abort();
      bursts.delete(key);
      return { ok: true, cpu: burst.cpu0 && cpu1 ? cpuDelta(burst.cpu0, cpu1) : null };
    },
  };
  const parentServer = http.createServer(async (req, res) => {
    try {
      const url = new URL(req.url, parentOrigin);
      const handler = control[`${req.method} ${url.pathname}`];
      if (handler) {
        const body = req.method === "POST" ? await readBody(req) : {};
        const run = runs.get(body.run ?? url.searchParams.get("run"));
        if (!run) return json(res, { ok: false, error: "unknown run" }, 404);
        run.touch();
        return json(res, await handler(run, body));
      }
      // The parent page and the browser-side modules it imports.
      const shared = { "/bench/notifications.mjs": "notifications.mjs", "/bench/account.mjs": "account.mjs" };
      let file;
      if (shared[url.pathname]) file = path.join(benchDir, shared[url.pathname]);
      else if (/^\/bench\/pages\/parent\.(html|js)$/.test(url.pathname)) file = path.join(benchDir, url.pathname.slice("/bench/".length));
      if (!file) return send(res, 404, "text/plain", "not found\n");
      send(res, 200, typeOf(file), fs.readFileSync(file), { "Cache-Control": "no-store" });
    } catch (e) {
      if (!res.headersSent) send(res, 500, "text/plain", `${e.stack}\n`);
    }
  });

  await Promise.all([
    new Promise((r, j) => tunnelServer.once("error", j).listen(portT, "127.0.0.1", r)),
    new Promise((r, j) => parentServer.once("error", j).listen(portP, "127.0.0.1", r)),
  ]);

  return {
    parentOrigin,
    tunnelOrigin,
    served,
    setBrowserPid(pid) { browserPid = pid; },
    parentUrl: (runId) => `${parentOrigin}/bench/pages/parent.html?run=${encodeURIComponent(runId)}`,
    /** Registers a run: the plan the page fetches; `report` settles when the page reports or fails. */
    beginRun(plan, { onProgress = () => {}, onLog = () => {} } = {}) {
      const id = crypto.randomBytes(6).toString("hex");
      let finish, fail;
      const report = new Promise((resolve, reject) => { finish = resolve; fail = reject; });
      const run = {
        id,
        plan: { ...plan, run: id, tunnelOrigin },
        report,
        lastContact: Date.now(),
        touch() { run.lastContact = Date.now(); },
        progress: onProgress,
        log: onLog,
        finish,
        fail,
      };
      runs.set(id, run);
      return run;
    },
    async stop() {
      for (const b of bursts.values()) b.controller.abort();
      for (const s of registry.values()) s.ws.terminate();
      for (const wss of [xmppWss, rawWss, echoWss]) for (const c of wss.clients) c.terminate();
      await Promise.all([tunnelServer, parentServer].map((s) => new Promise((r) => { s.close(() => r()); s.closeAllConnections(); })));
    },
  };
}
