// The parent-side library (www/client) against the real tunnel and Prosody:
// promises resolve and reject as documented, listeners get parsed events.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { escapeXml } from "../support/xmpp-client.mjs";
import { launchBrowser, startStack, connectPublisher } from "./harness.mjs";
import { freePort } from "../support/ports.mjs";

let stack, browser, page, publisher;

before(async () => {
  stack = await startStack();
  browser = await launchBrowser();
  page = await browser.newPage();
  page.on("pageerror", (e) => console.error("page error:", e.message));
  await page.goto(`${stack.pages.origin}/tests/browser/pages/client.html`);
  await page.waitForFunction(() => window.libReady);
  publisher = await connectPublisher(stack.server);
});

after(async () => {
  await publisher?.close().catch(() => {});
  await browser?.close();
  await stack?.stop();
});

/** Runs `body` in the page with a fresh TunnelClient as `t`; returns its result. */
function inPage(body, arg) {
  return page.evaluate(async ({ body, arg, tunnelUrl }) => {
    const t = new window.TunnelClient({ tunnelUrl, timeoutMs: 10000 });
    window.lastClient = t;
    const fn = new Function("t", "arg", `return (async () => { ${body} })();`);
    return fn(t, arg);
  }, { body, arg, tunnelUrl: stack.server.tunnelUrl });
}

test("connect, subscribe, events, subscriptions, errors, disconnect", async () => {
  const node = "/finesse/api/User/agent1";
  await publisher.createNode(stack.server.pubsub, node);
  const ready = inPage(`
    const statuses = [];
    t.on("status", (s) => statuses.push(s));
    await t.connect({ id: "agent1", password: "agent1-pw", domain: arg.domain, resource: "lib" });
    const subscribed = await t.subscribe(arg.node);
    const missing = await t.subscribe("/no/such/node").then(() => null, (e) => ({ name: e.name, condition: e.condition }));
    const list = await t.subscriptions();
    const event = new Promise((resolve) => t.on("event", resolve));
    window.publishNow = true;
    const got = await event;
    await t.disconnect();
    return { statuses, resource: t.resource, subscribed, missing, list, got, hello: t.extensions };
  `, { domain: stack.server.domain, node });
  await page.waitForFunction(() => window.publishNow === true, null, { timeout: 15000 });
  const update = "<Update><data>lib|test &amp; ü</data></Update>";
  await publisher.publish(stack.server.pubsub, node, `<notification xmlns='http://jabber.org/protocol/pubsub'>${escapeXml(update)}</notification>`);
  const r = await ready;
  assert.deepEqual(r.statuses.slice(0, 3), ["loaded", "connecting", "connected"]);
  assert.equal(r.statuses.at(-1), "disconnected");
  assert.equal(r.resource, "lib");
  assert.equal(r.subscribed, node);
  assert.deepEqual(r.missing, { name: "TunnelError", condition: "item-not-found" });
  assert.deepEqual(r.list.map((s) => s.node), [node]);
  assert.deepEqual(r.got, { node, payload: update, raw: `${encodeURI(node)}${update}` });
  assert.equal(r.hello.protocol, 1);
});

test("a wrong password rejects connect with condition 'unauthorized'", async () => {
  const r = await inPage(`
    return t.connect({ id: "agent2", password: "nope", domain: arg }).then(() => "connected", (e) => e.condition);
  `, stack.server.domain);
  assert.equal(r, "unauthorized");
});

test("requests before connecting reject with 'not-connected'", async () => {
  const r = await inPage(`
    await t.ready();
    return t.subscribe("/x").then(() => "ok", (e) => e.condition);
  `);
  assert.equal(r, "not-connected");
});

test("a tunnel that never loads rejects ready() instead of hanging", async () => {
  const r = await page.evaluate(async () => {
    const t = new window.TunnelClient({ tunnelUrl: "http://127.0.0.1:9/nothing/", timeoutMs: 1500 });
    const sub = await t.subscribe("/x").then(() => "ok", (e) => e.condition);
    t.destroy();
    return sub;
  });
  assert.equal(r, "timeout");
});

test("connect() twice with the same options does not log in again", async () => {
  const r = await inPage(`
    const opts = { id: "agent3", password: "agent3-pw", domain: arg, resource: "twice" };
    const statuses = [];
    t.on("status", (s) => statuses.push(s));
    await t.connect(opts);
    const again = await t.connect(opts);
    await t.disconnect();
    return { again, connecting: statuses.filter((s) => s === "connecting").length };
  `, stack.server.domain);
  assert.deepEqual(r, { again: "connected", connecting: 1 }, "no second login");
});

test("with the XMPP server down at first sign-in, connect() resolves 'reconnecting' instead of hanging", async () => {
  // The tunnel page loads (its web server is up), the XMPP endpoint does not answer.
  const down = await startStack({ tunnelConfig: { allowedOrigins: [stack.pages.origin], websocket: [`ws://127.0.0.1:${await freePort()}/ws/`], bosh: [], reconnectBaseMs: 200 } });
  try {
    const r = await page.evaluate(async ({ tunnelUrl, domain }) => {
      const t = new window.TunnelClient({ tunnelUrl, timeoutMs: 10000 });
      const started = performance.now();
      const got = await t.connect({ id: "agent4", password: "agent4-pw", domain }).then((s) => s, (e) => `rejected: ${e.condition}`);
      const ms = performance.now() - started;
      const status = t.status;
      t.destroy();
      return { got, status, ms };
    }, { tunnelUrl: down.server.tunnelUrl, domain: down.server.domain });
    assert.equal(r.got, "reconnecting");
    assert.equal(r.status, "reconnecting");
    assert.ok(r.ms < 10000, `${r.ms} ms`);
  } finally {
    await down.stop();
  }
});

// Last: it kills the server this file shares.
test("a session that could not be resumed arrives as a typed 'gap' event after 'connected'", async () => {
  const waiting = inPage(`
    const seen = [];
    t.on("status", (s) => seen.push(s));
    t.on("gap", (g) => seen.push({ gap: g.reason }));
    await t.connect({ id: "agent5", password: "agent5-pw", domain: arg, resource: "gap", ping: { xmppFailoverDetectionPingInterval: 1000, xmppRequestTimeout: 1000, xmppFailoverRequestMaxRetry: 0 } });
    window.killNow = true;
    await new Promise((resolve) => t.on("gap", resolve));
    const last = seen.slice(-2);
    t.destroy();
    return last;
  `, stack.server.domain);
  await page.waitForFunction(() => window.killNow === true, null, { timeout: 15000 });
  await publisher.close().catch(() => {});
  await stack.server.kill();
  await stack.server.restart();
  const last = await waiting;
  assert.deepEqual(last, ["connected", { gap: "the connection was lost and could not be resumed" }]);
});
