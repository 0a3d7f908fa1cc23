// The deployment files of deploy/ as an admin copies them: Prosody's and
// ejabberd's configurations, each behind nginx with TLS (deploy/nginx/),
// with only their example values replaced (host, ports, paths, the desk's
// origin). In Chromium, a desk on another origin embeds the tunnel over
// https, logs in over wss with SCRAM (never PLAIN), and gets an event; a
// page that nginx's frame-ancestors does not list cannot frame it; the
// headers and MIME types are what docs/deployment.md says.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import https from "node:https";
import path from "node:path";
import { repoRoot, launchBrowser, connectPublisher, USERS } from "./browser/harness.mjs";
import { startProsody } from "./support/prosody.mjs";
import { startEjabberd } from "./support/ejabberd.mjs";
import { startNginx, makeCertificate } from "./support/nginx.mjs";
import { startStaticServer } from "./support/static-server.mjs";
import { prepareTunnelDir } from "./support/tunnel-dir.mjs";
import { freePort } from "./support/ports.mjs";
import { escapeXml } from "./support/xmpp-client.mjs";

const deployFile = (f) => fs.readFileSync(path.join(repoRoot, "deploy", f), "utf8");

/** `text` with each [example, value] replaced everywhere; each example must occur. */
function fill(text, pairs) {
  for (const [from, to] of pairs) {
    assert.ok(text.includes(from), `the deployment file no longer has ${JSON.stringify(from)}`);
    text = text.split(from).join(to);
  }
  return text;
}

const prosodyConfig = (publicOrigin) => (ctx) => {
  const mime = path.join(ctx.dir, "deploy.mime.types");
  fs.copyFileSync(path.join(repoRoot, "deploy", "prosody", "mime.types"), mime);
  return fill(deployFile("prosody/prosody.cfg.lua"), [
    ["https://xmpp.example.com/", `${publicOrigin}/`],
    ["xmpp.example.com", "localhost"],
    ["/var/www/xmpp-tunnel/tunnel", ctx.tunnelDir],
    ["/etc/prosody/xmpp-tunnel.mime.types", mime],
    ["/run/prosody/prosody.pid", `${ctx.dir}/prosody.pid`],
    ["/var/lib/prosody", `${ctx.dir}/data`],
    ["/var/log/prosody/prosody.log", `${ctx.dir}/prosody.log`],
    ["/var/log/prosody/prosody.err", `${ctx.dir}/prosody.err`],
    ["http_ports = { 5280 }", `http_ports = { ${ctx.httpPort} }`],
    ["c2s_ports = { 5222 }", `c2s_ports = { ${ctx.c2sPort} }`],
  ]);
};

const ejabberdConfig = (ctx) => {
  const { pem } = makeCertificate(ctx.dir);
  return fill(deployFile("ejabberd/ejabberd.yml"), [
    ["/etc/ejabberd/xmpp.example.com.pem", pem],
    ["xmpp.example.com", "localhost"],
    ["/var/www/xmpp-tunnel/tunnel", ctx.tunnelDir],
    ['- port: 5222\n    ip: "::"', `- port: ${ctx.c2sPort}\n    ip: "127.0.0.1"`],
    ["- port: 5280", `- port: ${ctx.httpPort}`],
  ]);
};

const nginxSite = (xmppPort, deskOrigin) => (port, cert) => fill(deployFile("nginx/xmpp-tunnel.conf"), [
  ["listen 443 ssl;", `listen ${port} ssl;`],
  ["listen [::]:443 ssl;", ""],
  ["/etc/letsencrypt/live/xmpp.example.com/fullchain.pem", cert.cert],
  ["/etc/letsencrypt/live/xmpp.example.com/privkey.pem", cert.key],
  ["xmpp.example.com", "localhost"],
  ["https://desk.example.com", deskOrigin],
  ["127.0.0.1:5280", `127.0.0.1:${xmppPort}`],
]);

/** GET over https (our own certificate): status, headers, body length. */
function get(url, headers = {}) {
  return new Promise((resolve, reject) => {
    https.get(url, { rejectUnauthorized: false, headers }, (res) => {
      let n = 0;
      res.on("data", (c) => { n += c.length; });
      res.on("end", () => resolve({ status: res.statusCode, headers: res.headers, length: n }));
    }).on("error", reject);
  });
}

const browser = await launchBrowser(["--ignore-certificate-errors"]);
after(() => browser.close());

for (const [kind, start] of [["prosody", startProsody], ["ejabberd", startEjabberd]]) {
  test(`${kind} with deploy/'s configuration behind deploy/nginx: the desk logs in over wss with SCRAM and gets an event`, async () => {
    const desk = await startStaticServer({ root: repoRoot, host: "127.0.0.1" });
    const stranger = await startStaticServer({ root: repoRoot, host: "127.0.0.1" });
    // Both may talk to the tunnel (config.json); only the desk may frame it (nginx).
    const tunnelDir = prepareTunnelDir({ allowedOrigins: [desk.origin, stranger.origin] });
    const nginxPort = await freePort();
    const publicOrigin = `https://localhost:${nginxPort}`;
    const configText = kind === "prosody" ? prosodyConfig(publicOrigin) : ejabberdConfig;
    const server = await start({ tunnelDir, users: USERS, admins: ["publisher"], configText });
    let nginx, publisher;
    try {
      nginx = await startNginx({ port: nginxPort, site: nginxSite(server.httpPort, desk.origin) });
      const tunnelUrl = `${nginx.origin}/tunnel/`;

      // What nginx adds, and the MIME types behind it.
      const page = await get(tunnelUrl);
      assert.equal(page.status, 200);
      assert.equal(page.headers["content-security-policy"], `frame-ancestors ${desk.origin}`);
      assert.equal(page.headers["x-content-type-options"], "nosniff");
      const wasm = await get(`${tunnelUrl}tunnel_bg.wasm`, { "Accept-Encoding": "gzip" });
      assert.equal(wasm.headers["content-type"], "application/wasm");
      assert.equal(wasm.headers["content-encoding"], "gzip");
      const config = await get(`${tunnelUrl}config.json`);
      assert.equal(config.headers["cache-control"], "no-store");

      publisher = await connectPublisher(server);
      const node = "/finesse/api/User/agent1";
      await publisher.createNode(server.pubsub, node);
      const tab = await browser.newPage();
      tab.on("pageerror", (e) => console.error("page error:", e.message));
      await tab.goto(`${desk.origin}/tests/browser/pages/client.html`);
      await tab.waitForFunction(() => window.libReady);
      const session = tab.evaluate(async ({ tunnelUrl, domain, node }) => {
        const t = new window.TunnelClient({ tunnelUrl, timeoutMs: 15000 });
        const logs = [];
        t.on("log", (l) => logs.push(l));
        const event = new Promise((resolve) => t.on("event", resolve));
        await t.connect({ id: "agent1", password: "agent1-pw", domain, resource: "deploy" });
        await t.subscribe(node);
        window.publishNow = true;
        const e = await event;
        return { logs, payload: e.payload };
      }, { tunnelUrl, domain: server.domain, node });
      await tab.waitForFunction(() => window.publishNow === true, null, { timeout: 20000 });
      const update = `<Update><data>through nginx to ${kind}</data></Update>`;
      await publisher.publish(server.pubsub, node, `<notification xmlns='http://jabber.org/protocol/pubsub'>${escapeXml(update)}</notification>`);
      const r = await session;
      assert.equal(r.payload, update);
      const connecting = r.logs.find((l) => l.startsWith("connecting to "));
      assert.equal(connecting, `connecting to wss://localhost:${nginxPort}/ws/`);
      const loggedIn = r.logs.find((l) => l.startsWith("logged in as "));
      assert.match(loggedIn, /^logged in as agent1@localhost\/deploy\S* \(SCRAM-SHA-(1|256|512)\)$/);

      // The IM page on the same deployment: two agents chat, one joins a
      // room (the configuration's group chat), history answers.
      const im = await tab.evaluate(async ({ tunnelUrl, domain }) => {
        const mk = async (id) => {
          const t = new window.TunnelClient({ tunnelUrl: `${tunnelUrl}im.html`, timeoutMs: 15000 });
          await t.connect({ id, password: `${id}-pw`, domain, resource: "im" });
          return t;
        };
        const [a, b] = [await mk("agent2"), await mk("agent3")];
        const got = new Promise((resolve) => b.on("chat", (m) => m.body && resolve(m.body)));
        const sent = await a.sendMessage(`agent3@${domain}`, "through nginx");
        const body = await got;
        const room = await a.joinRoom(`ops@conference.${domain}`, "a");
        const history = await a.history({ max: 5 });
        return { hello: a.extensions.extensions, acked: sent.acked, body, room, archived: history.messages.length };
      }, { tunnelUrl, domain: server.domain });
      assert.deepEqual(im.hello, ["gap", "im"]);
      assert.equal(im.acked, true);
      assert.equal(im.body, "through nginx");
      assert.deepEqual(im.room, { room: `ops@conference.${server.domain}`, nick: "a" });
      assert.ok(im.archived >= 1, "the archive holds the message");

      // A page nginx does not list cannot frame the tunnel, allow-list or not.
      const other = await browser.newPage();
      await other.goto(`${stranger.origin}/tests/browser/pages/client.html`);
      await other.waitForFunction(() => window.libReady);
      const framed = await other.evaluate(async (tunnelUrl) => {
        const t = new window.TunnelClient({ tunnelUrl, timeoutMs: 3000 });
        const r = await t.ready().then(() => "loaded", (e) => e.condition);
        t.destroy();
        return r;
      }, tunnelUrl);
      assert.equal(framed, "timeout");
    } finally {
      await publisher?.close().catch(() => {});
      await nginx?.stop();
      await server.remove();
      await desk.stop();
      await stranger.stop();
      fs.rmSync(tunnelDir, { recursive: true, force: true });
    }
  });
}
