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
import { WebSocketServer } from "ws";
import { freePort } from "../tests/support/ports.mjs";
import { builtTunnel } from "../tests/support/tunnel-dir.mjs";
import { USER, PASSWORD, DOMAIN, PUBSUB, NODE } from "./account.mjs";
import { sentAt } from "./notifications.mjs";
import { accounts, serveXmpp, serveRaw } from "./xmpp-server.mjs";
import { blast } from "./blast.mjs";
import { cpuSnapshot, cpuDelta } from "./procstat.mjs";

const benchDir = path.dirname(fileURLToPath(import.meta.url));
const pagesDir = path.join(benchDir, "pages");
const stropheFile = path.join(benchDir, "..", "node_modules", "strophe.js", "dist", "strophe.umd.min.js");

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
 * startBenchServer({ log, traceXmpp }) → {
 *   parentOrigin, tunnelOrigin, parentUrl(runId), beginRun(plan) → run,
 *   setBrowserPid(pid), served, stop() }
 * A run: { id, plan, report: Promise, onProgress(fn), onLog(fn) }.
 */
export async function startBenchServer({ log = console.log, traceXmpp = false } = {}) {
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
  const inlineProbe = (html) => html.replace(PROBE_TAG, () => `<script>${probe}</script>`);

  // Static tunnel files as a production server would serve them: revalidated
  // each load (ETag), so fresh iframes get 304s and the browser's code caches.
  const serveStatic = (req, res, body, type) => {
    const etag = `"${crypto.createHash("sha1").update(body).digest("base64url")}"`;
    const headers = { "Cache-Control": "no-cache", ETag: etag };
    if (req.headers["if-none-match"] === etag) { res.writeHead(304, headers); return res.end(); }
    send(res, 200, type, req.method === "HEAD" ? undefined : body, headers);
  };

  // ---- origin T: tunnel pages, probe, WebSockets ----
  const tunnelConfig = JSON.stringify({ allowedOrigins: [parentOrigin], websocket: ["/ws/"] });
  const tunnelServer = http.createServer(async (req, res) => {
    try {
      const url = new URL(req.url, tunnelOrigin);
      const p = url.pathname;
      if (p === "/bench/warm.html") return serveStatic(req, res, Buffer.from("<!doctype html><title>warm-up</title>"), TYPES[".html"]);
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
        if (p === "/tunnel/config.json") return json(res, JSON.parse(tunnelConfig));
        const rel = p === "/tunnel/" ? "index.html" : decodeURIComponent(p.slice("/tunnel/".length));
        const file = path.join(builtTunnel, path.normalize(rel));
        if (!file.startsWith(builtTunnel + path.sep) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
          return send(res, 404, "text/plain", "not found\n");
        }
        let body = fs.readFileSync(file);
        served.ours.set(p, body);
        if (file.endsWith(".html")) body = Buffer.from(inlineProbe(injectProbe(body.toString("utf8"))));
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
  xmppWss.on("connection", (ws) => serveXmpp(ws, { domain: DOMAIN, pubsub: PUBSUB, users, registry, log: trace(performance.now()) }));
  rawWss.on("connection", (ws) => serveRaw(ws, { domain: DOMAIN, user: USER, registry }));
  tunnelServer.on("upgrade", (req, socket, head) => {
    const p = new URL(req.url, tunnelOrigin).pathname;
    // Only the tunnel pages' own origin may open the sockets (as a real server would check).
    if (req.headers.origin !== tunnelOrigin) { socket.destroy(); return; }
    const wss = p === "/ws/" || p === "/ws" ? xmppWss : p === "/raw" ? rawWss : null;
    if (!wss) { socket.destroy(); return; }
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
      for (const wss of [xmppWss, rawWss]) for (const c of wss.clients) c.terminate();
      await Promise.all([tunnelServer, parentServer].map((s) => new Promise((r) => { s.close(() => r()); s.closeAllConnections(); })));
    },
  };
}
