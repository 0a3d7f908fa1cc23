// The npm package as a gadget author gets it: `npm pack` (its prepack builds
// the tunnel), installed into a fresh gadget project from the tarball alone,
// imported by its bare name in Node, bundled with esbuild, type-checked in
// strict TypeScript, and its shipped tunnel files served by a real Prosody
// to a real browser, where the bundled gadget logs in and gets an event.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { repoRoot, launchBrowser, startStack, connectPublisher } from "./browser/harness.mjs";
import { startStaticServer } from "./support/static-server.mjs";
import { escapeXml } from "./support/xmpp-client.mjs";

const bin = (name) => path.join(repoRoot, "node_modules", ".bin", name);
const run = (cmd, args, cwd) => execFileSync(cmd, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });

let work, tarball, gadget;

before(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), "xmpp-tunnel-pack-"));
  const out = run("npm", ["pack", "--json", "--pack-destination", work], repoRoot);
  // (prepack's own lines come before npm's JSON.)
  const info = JSON.parse(out.slice(out.indexOf("[")))[0];
  tarball = path.join(work, info.filename);
  gadget = path.join(work, "gadget");
  fs.mkdirSync(gadget);
  fs.writeFileSync(path.join(gadget, "package.json"), JSON.stringify({ name: "gadget", private: true, type: "module" }));
  run("npm", ["install", "--offline", "--no-audit", "--no-fund", "--ignore-scripts", tarball], gadget);
});

after(() => fs.rmSync(work, { recursive: true, force: true }));

test("the tarball holds the client, its types, the built tunnel and the license, and nothing else", () => {
  const files = run("tar", ["-tzf", tarball], work).trim().split("\n").map((f) => f.replace(/^package\//, "")).sort();
  assert.deepEqual(files, [
    "LICENSE", "README.md", "package.json",
    "tunnel/config.example.json", "tunnel/im.html", "tunnel/index.html", "tunnel/scram-worker.js", "tunnel/scram.wasm",
    "tunnel/tunnel-im_bg.wasm", "tunnel/tunnel_bg.wasm",
    "www/client/tunnel-client.d.ts", "www/client/tunnel-client.js",
  ]);
  const pkg = JSON.parse(fs.readFileSync(path.join(gadget, "node_modules", "xmpp-tunnel", "package.json"), "utf8"));
  assert.equal(pkg.private, undefined);
  assert.equal(pkg.license, "MIT");
});

test("Node imports it by its bare name", () => {
  const out = run(process.execPath, ["--input-type=module", "-e",
    'import { TunnelClient, TunnelError, MessageType } from "xmpp-tunnel"; console.log(typeof TunnelClient, typeof TunnelError, MessageType.GAP);'], gadget);
  assert.equal(out.trim(), "function function 101");
});

test("esbuild bundles it, and strict TypeScript type-checks a gadget against its types", () => {
  fs.writeFileSync(path.join(gadget, "gadget.ts"), `
import { TunnelClient, TunnelError, type TunnelEvent, type TunnelGap, type TunnelStatus } from "xmpp-tunnel";
export async function start(tunnelUrl: string): Promise<TunnelStatus> {
  const t = new TunnelClient({ tunnelUrl });
  t.on("event", (e: TunnelEvent) => console.log(e.node, e.payload.length));
  t.on("gap", (g: TunnelGap) => console.log(g.reason.toUpperCase()));
  t.on("status", (s) => { if (s === "reconnecting") console.log("retrying"); });
  const first: "connected" | "reconnecting" = await t.connect({ id: "a", password: "p", domain: "d" });
  await t.subscribe("/finesse/api/User/a").catch((e: TunnelError) => console.log(e.condition));
  return first;
}
`);
  fs.writeFileSync(path.join(gadget, "tsconfig.json"), JSON.stringify({
    compilerOptions: { strict: true, noEmit: true, module: "nodenext", moduleResolution: "nodenext", target: "es2022", lib: ["es2022", "dom"], skipLibCheck: false },
    files: ["gadget.ts"],
  }));
  run(bin("tsc"), ["-p", "."], gadget);
  // Without the types it would not compile: a call the types forbid fails.
  fs.writeFileSync(path.join(gadget, "wrong.ts"), 'import { TunnelClient } from "xmpp-tunnel";\nnew TunnelClient({ tunnelUrl: 1 });\n');
  const wrong = (() => {
    try {
      run(bin("tsc"), ["--strict", "--noEmit", "--module", "nodenext", "--lib", "es2022,dom", "wrong.ts"], gadget);
      return "compiled";
    } catch (e) {
      return e.stdout; // (tsc reports on stdout)
    }
  })();
  assert.match(wrong, /wrong\.ts\(2,\d+\): error TS2322/);
  fs.writeFileSync(path.join(gadget, "gadget.js"), `
import { TunnelClient } from "xmpp-tunnel";
const p = new URLSearchParams(location.search);
const t = new TunnelClient({ tunnelUrl: p.get("tunnel") });
window.events = [];
t.on("event", (e) => window.events.push(e));
await t.connect({ id: p.get("id"), password: p.get("pw"), domain: p.get("domain") });
await t.subscribe(p.get("node"));
window.subscribed = true;
`);
  fs.writeFileSync(path.join(gadget, "index.html"), '<!doctype html><meta charset="utf-8"><title>gadget</title><script type="module" src="dist/gadget.js"></script>\n');
  run(bin("esbuild"), ["gadget.js", "--bundle", "--format=esm", "--outfile=dist/gadget.js", "--log-level=warning"], gadget);
  assert.ok(fs.readFileSync(path.join(gadget, "dist", "gadget.js"), "utf8").includes("postMessage"));
});

test("the packaged tunnel files, served by Prosody, log the bundled gadget in and deliver an event", async () => {
  const pages = await startStaticServer({ root: gadget, host: "127.0.0.1" });
  const stack = await startStack({
    tunnelConfig: { allowedOrigins: [pages.origin] },
    tunnelFiles: path.join(gadget, "node_modules", "xmpp-tunnel", "tunnel"),
  });
  const browser = await launchBrowser();
  const publisher = await connectPublisher(stack.server);
  try {
    const node = "/finesse/api/User/agent3";
    await publisher.createNode(stack.server.pubsub, node);
    const page = await browser.newPage();
    page.on("pageerror", (e) => console.error("page error:", e.message));
    const q = new URLSearchParams({ tunnel: stack.server.tunnelUrl, id: "agent3", pw: "agent3-pw", domain: stack.server.domain, node });
    await page.goto(`${pages.origin}/index.html?${q}`);
    await page.waitForFunction(() => window.subscribed === true, null, { timeout: 20000 });
    const update = "<Update><data>from the package</data></Update>";
    await publisher.publish(stack.server.pubsub, node, `<notification xmlns='http://jabber.org/protocol/pubsub'>${escapeXml(update)}</notification>`);
    await page.waitForFunction(() => window.events.length > 0, null, { timeout: 15000 });
    const events = await page.evaluate(() => window.events.map((e) => ({ node: e.node, payload: e.payload })));
    assert.deepEqual(events, [{ node, payload: update }]);
  } finally {
    await publisher.close().catch(() => {});
    await browser.close();
    await stack.stop();
    await pages.stop();
  }
});

test("examples/finesse-gadget builds against the package and, in a stubbed Finesse container, shows the agent's state", async () => {
  const example = path.join(repoRoot, "examples", "finesse-gadget");
  const dir = path.join(gadget, "finesse");
  fs.mkdirSync(path.join(dir, "src"), { recursive: true });
  fs.copyFileSync(path.join(example, "src", "gadget.js"), path.join(dir, "src", "gadget.js"));
  // Its own build command, with the repository's esbuild, resolving
  // xmpp-tunnel from the installed tarball (the project above).
  const build = JSON.parse(fs.readFileSync(path.join(example, "package.json"), "utf8")).scripts.build.split(" ");
  assert.equal(build[0], "esbuild");
  run(bin("esbuild"), build.slice(1), dir);
  // The gadget's HTML as the container serves it, after a stand-in for the
  // container's `gadgets` API with Finesse's preferences.
  const xml = fs.readFileSync(path.join(example, "TunnelEvents.xml"), "utf8");
  const content = /<!\[CDATA\[([\s\S]*)\]\]>/.exec(xml)[1];
  const stub = `<script>
    const q = new URLSearchParams(location.search);
    window.gadgets = {
      Prefs: class { getString(k) { return q.get(k) ?? ""; } },
      window: { adjustHeight() {} },
    };
  </script>`;
  fs.writeFileSync(path.join(dir, "gadget.html"), content.replace("<!DOCTYPE html>", `<!DOCTYPE html>${stub}`));

  const pages = await startStaticServer({ root: dir, host: "127.0.0.1" });
  const stack = await startStack({ tunnelConfig: { allowedOrigins: [pages.origin] } });
  const browser = await launchBrowser();
  const publisher = await connectPublisher(stack.server);
  try {
    const node = "/finesse/api/User/agent4";
    await publisher.createNode(stack.server.pubsub, node);
    await publisher.createNode(stack.server.pubsub, `${node}/Dialogs`);
    const page = await browser.newPage();
    page.on("pageerror", (e) => console.error("page error:", e.message));
    const q = new URLSearchParams({
      tunnelUrl: stack.server.tunnelUrl, id: "agent4", authorization: Buffer.from("agent4:agent4-pw").toString("base64"),
      xmppDomain: stack.server.domain, pubsubDomain: stack.server.pubsub,
    });
    await page.goto(`${pages.origin}/gadget.html?${q}`);
    await page.waitForFunction(() => document.getElementById("status").textContent === "connected", null, { timeout: 20000 });
    const update = "<Update><data><user><loginId>agent4</loginId><state>TALKING</state></user></data></Update>";
    // (Published until it lands: the subscriptions follow `connected`.)
    for (let i = 0; i < 20 && (await page.textContent("#state")) !== "TALKING"; i++) {
      await publisher.publish(stack.server.pubsub, node, `<notification xmlns='http://jabber.org/protocol/pubsub'>${escapeXml(update)}</notification>`);
      await new Promise((r) => setTimeout(r, 250));
    }
    assert.equal(await page.textContent("#state"), "TALKING");
  } finally {
    await publisher.close().catch(() => {});
    await browser.close();
    await stack.stop();
    await pages.stop();
  }
});
