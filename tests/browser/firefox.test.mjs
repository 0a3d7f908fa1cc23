// The tunnel in Firefox ESR (Debian's firefox-esr, driven over WebDriver
// BiDi by puppeteer-core) against a real Prosody, for what agents do on
// Firefox: log in (SCRAM by WebCrypto), byte-exact events, the client
// library, BOSH, the origin and source gate, and a dropped connection that
// comes back resumed. What differs from Chromium is in docs/testing.md.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import puppeteer from "puppeteer-core";
import { escapeXml } from "../support/xmpp-client.mjs";
import { startStaticServer } from "../support/static-server.mjs";
import { startProxy } from "../support/proxy.mjs";
import { repoRoot, startStack, connectPublisher, sleep } from "./harness.mjs";

let stack, proxy, publisher, browser;

before(async () => {
  stack = await startStack();
  proxy = await startProxy({ targetPort: stack.server.httpPort });
  publisher = await connectPublisher(stack.server);
  browser = await puppeteer.launch({ browser: "firefox", executablePath: process.env.FIREFOX || "/usr/bin/firefox-esr", headless: true });
});

after(async () => {
  await browser?.close();
  await publisher?.close().catch(() => {});
  await proxy?.stop();
  await stack?.stop();
});

/** A fresh private context's page at `url`, once `4|loaded` arrived. */
async function openParent(url = stack.parentUrl()) {
  const context = await browser.createBrowserContext();
  const page = await context.newPage();
  page.on("pageerror", (e) => console.error("firefox page error:", e.message));
  await page.goto(url);
  await waitMessage(page, "4|loaded");
  return page;
}

const received = (page) => page.evaluate(() => window.received.map((m) => m.data));

async function waitMessage(page, data, timeout = 15000) {
  const arg = data instanceof RegExp ? { re: data.source } : { s: data };
  try {
    await page.waitForFunction((d) => window.received?.some((m) => (d.re ? new RegExp(d.re).test(m.data) : m.data === d.s)), { timeout, polling: 50 }, arg);
  } catch (e) {
    const got = await received(page).catch(() => ["(page gone)"]);
    e.message += `\nwaiting for ${data}; the parent received:\n  ${got.map((m) => m.slice(0, 300)).join("\n  ")}`;
    throw e;
  }
}

async function login(page, user, resource, first = []) {
  await page.evaluate((m) => window.send(...m), [...first, `3|${resource}`, `1|${user}`, `5|${stack.server.domain}`, `2|${user}-pw`, `6|${stack.server.pubsub}`]);
  await waitMessage(page, "4|connected");
}

const publish = (node, update) =>
  publisher.publish(stack.server.pubsub, node, `<notification xmlns='http://jabber.org/protocol/pubsub'>${escapeXml(update)}</notification>`);

test("Firefox: login with SCRAM by WebCrypto, byte-exact events", async () => {
  const page = await openParent();
  await login(page, "agent1", "ff");
  assert.ok((await received(page)).includes("13|logged in as agent1@localhost/ff (SCRAM-SHA-1)"));
  const node = "/finesse/api/User/agent1";
  await publisher.createNode(stack.server.pubsub, node);
  await page.evaluate((n) => window.send(`7|${n}`), node);
  await waitMessage(page, `7|${node}`);
  const updates = ["<Update><data>a|b &amp; c &lt; d</data></Update>", "<Update><data><name>Zoë 日本語 😀</name></data></Update>"];
  for (const u of updates) await publish(node, u);
  const want = updates.map((u) => `0|${encodeURI(node)}${u}`);
  await page.waitForFunction((n) => window.received.filter((m) => m.data.startsWith("0|")).length >= n, { timeout: 15000, polling: 50 }, want.length);
  assert.deepEqual((await received(page)).filter((m) => m.startsWith("0|")), want);
  await page.close();
});

test("Firefox: the client library connects, subscribes and gets an event", async () => {
  const context = await browser.createBrowserContext();
  const page = await context.newPage();
  await page.goto(`${stack.pages.origin}/tests/browser/pages/client.html`);
  await page.waitForFunction(() => window.libReady, { timeout: 15000 });
  const node = "/finesse/api/User/agent2";
  await publisher.createNode(stack.server.pubsub, node);
  const session = page.evaluate(async ({ tunnelUrl, domain, node }) => {
    const t = new window.TunnelClient({ tunnelUrl, timeoutMs: 15000 });
    const event = new Promise((resolve) => t.on("event", resolve));
    const first = await t.connect({ id: "agent2", password: "agent2-pw", domain, resource: "ff-lib" });
    await t.subscribe(node);
    window.publishNow = true;
    const e = await event;
    await t.disconnect();
    return { first, payload: e.payload, last: t.status };
  }, { tunnelUrl: stack.server.tunnelUrl, domain: stack.server.domain, node });
  await page.waitForFunction(() => window.publishNow === true, { timeout: 20000 });
  await publish(node, "<Update><data>firefox</data></Update>");
  assert.deepEqual(await session, { first: "connected", payload: "<Update><data>firefox</data></Update>", last: "disconnected" });
  await page.close();
});

test("Firefox: the IM page: two agents chat, with a receipt, and one enters a room", async () => {
  const context = await browser.createBrowserContext();
  const page = await context.newPage();
  await page.goto(`${stack.pages.origin}/tests/browser/pages/client.html`);
  await page.waitForFunction(() => window.libReady, { timeout: 15000 });
  const r = await page.evaluate(async ({ tunnelUrl, domain }) => {
    const mk = async (id) => {
      const t = new window.TunnelClient({ tunnelUrl: `${tunnelUrl}im.html`, timeoutMs: 15000 });
      await t.connect({ id, password: `${id}-pw`, domain, resource: "ff-im" });
      return t;
    };
    const [a, b] = [await mk("agent5"), await mk("agent6")];
    // Buddies both ways, so that b's tunnel sends a receipt to a.
    const asked = new Promise((resolve) => b.on("buddyRequest", resolve));
    const back = new Promise((resolve) => a.on("buddyRequest", resolve));
    await a.askBuddy(`agent6@${domain}`);
    await asked;
    await b.answerBuddy(`agent5@${domain}`, "accept");
    await back;
    await a.answerBuddy(`agent6@${domain}`, "accept");
    await new Promise((resolve) => b.on("roster", (e) => e.items.some((i) => i.subscription === "both") && resolve()));
    const got = new Promise((resolve) => b.on("chat", (m) => m.body && resolve(m.body)));
    const receipt = new Promise((resolve) => a.on("receipt", resolve));
    const sent = await a.sendMessage(`agent6@${domain}`, "from Firefox <&>");
    const body = await got;
    const rc = await receipt;
    const room = await a.joinRoom(`ff@conference.${domain}`, "fox");
    return { hello: a.extensions.extensions, acked: sent.acked, body, receipt: rc.messageId === sent.messageId, room };
  }, { tunnelUrl: stack.server.tunnelUrl, domain: stack.server.domain });
  assert.deepEqual(r, { hello: ["gap", "im"], acked: true, body: "from Firefox <&>", receipt: true, room: { room: `ff@conference.${stack.server.domain}`, nick: "fox" } });
  await page.close();
});

test("Firefox: BOSH (12|bosh) logs in and relays an event", async () => {
  const page = await openParent();
  await login(page, "agent3", "ff-bosh", ["12|bosh"]);
  assert.ok((await received(page)).some((m) => /^13\|connecting to http:\/\/localhost:\d+\/http-bind\/$/.test(m)));
  const node = "/finesse/api/User/agent3";
  await publisher.createNode(stack.server.pubsub, node);
  await page.evaluate((n) => window.send(`7|${n}`), node);
  await waitMessage(page, `7|${node}`);
  await publish(node, "<Update><data>over BOSH</data></Update>");
  await waitMessage(page, `0|${encodeURI(node)}<Update><data>over BOSH</data></Update>`);
  await page.close();
});

test("Firefox: a page of another origin, and a sibling frame, get nothing and change nothing", async () => {
  // (Firefox has no location.ancestorOrigins: `4|loaded` goes to each
  // allowed origin in turn, and the browser delivers it only to the right one.)
  const other = await startStaticServer({ root: repoRoot, host: "127.0.0.2" });
  try {
    const context = await browser.createBrowserContext();
    const hostile = await context.newPage();
    await hostile.goto(stack.parentUrl().replace(stack.pages.origin, other.origin));
    await sleep(1500);
    await hostile.evaluate((d) => window.send("1|agent4", `5|${d}`, "2|agent4-pw", "14|", "7|/x"), stack.server.domain);
    await sleep(1500);
    assert.deepEqual(await hostile.evaluate(() => window.received), []);
  } finally {
    await other.stop();
  }
  const sibling = `${stack.pages.origin}/tests/browser/pages/sibling.html`;
  const page = await openParent(stack.parentUrl(`&sibling=${encodeURIComponent(sibling)}`));
  const before = (await received(page)).length;
  // (Run inside the sibling, same-origin with this page, by a script element
  // of its own: puppeteer's frame.evaluate over BiDi ran in the top page.)
  const sib = () => document.querySelector("iframe[name=sibling]").contentWindow;
  await page.waitForFunction((f) => typeof eval(f)()?.attack === "function", { timeout: 15000 }, `(${sib})`);
  await page.evaluate((f, d) => {
    const w = eval(f)();
    const script = w.document.createElement("script");
    script.textContent = `window.attack(${JSON.stringify(["1|agent4", `5|${d}`, "2|agent4-pw", "14|", "7|/x"])}); window.attacked = true;`;
    w.document.body.append(script);
  }, `(${sib})`, stack.server.domain);
  await sleep(1500);
  assert.equal(await page.evaluate((f) => eval(f)().attacked, `(${sib})`), true, "the sibling did post");
  assert.equal((await received(page)).length, before, "the tunnel did nothing");
  assert.deepEqual(await page.evaluate((f) => [...eval(f)().received], `(${sib})`), [], "and answered nobody");
  await page.close();
});

test("Firefox: a dropped connection comes back resumed, and events flow again", async () => {
  const page = await openParent(stack.parentUrl("", `http://localhost:${proxy.port}/tunnel/`));
  await login(page, "agent5", "ff-drop");
  const node = "/finesse/api/User/agent5";
  await publisher.createNode(stack.server.pubsub, node);
  await page.evaluate((n) => window.send(`7|${n}`), node);
  await waitMessage(page, `7|${node}`);
  proxy.cut(0);
  await waitMessage(page, "4|reconnecting");
  await waitMessage(page, /^13\|resumed the session/, 20000);
  await publish(node, "<Update><data>after the drop</data></Update>");
  await waitMessage(page, `0|${encodeURI(node)}<Update><data>after the drop</data></Update>`);
  assert.ok(!(await received(page)).some((m) => m.startsWith("101|")), "no gap: resumed");
  await page.close();
});
