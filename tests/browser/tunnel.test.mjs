// The tunnel end to end: a real Prosody, real Chromium, parent and tunnel on
// different origins. Covers the handshake orders, byte-exact events,
// (un)subscribe, subscriptions, auth failure, conflict, origin/source checks
// and DISCONNECT_REQ.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import { connectClient, escapeXml } from "../support/xmpp-client.mjs";
import { startStaticServer } from "../support/static-server.mjs";
import { builtPage, scriptSrc } from "../../scripts/page.mjs";
import { openParent, login, received, waitMessage, checkUnicodePasswords, until, sleep, repoRoot, withStack } from "./harness.mjs";

const env = withStack({});

const finesse = (text) => `<notification xmlns='http://jabber.org/protocol/pubsub'>${escapeXml(text)}</notification>`;

async function publish(node, text) {
  await env.publisher.publish(env.stack.server.pubsub, node, finesse(text));
}

test("finesse.js 10.x order (3,1,5,2,6) reaches connected with the requested resource", async () => {
  const page = await openParent(env.context, env.stack);
  await login(page, env.stack.server, "agent1", "desk10");
  const msgs = await received(page);
  const i = msgs.indexOf("4|connected");
  assert.equal(msgs[i - 1], "3|desk10", "type 3 with the bound resource just before STATUS");
  assert.ok(msgs.indexOf("4|connecting") < i);
  assert.equal(msgs[0], "4|loaded");
  assert.match(msgs[1], /^100\|\{"protocol":1/);
  await page.close();
});

/** The tunnel's console trace (type 16 turns it on): what it sends and receives. */
async function tracedPage(tunnelUrl) {
  const page = await openParent(env.context, env.stack, "", tunnelUrl);
  const trace = [];
  page.on("console", (m) => trace.push(m.text()));
  await page.evaluate(() => window.send('16|{"enableConsoleTraceLogging":"true"}'));
  return { page, trace };
}

test("the stream the page opened while its module loaded is the login's: one header less to wait for", async () => {
  const { page, trace } = await tracedPage();
  await login(page, env.stack.server, "agent1", "early");
  const opens = trace.filter((l) => /^SEND( \(early socket\))? <open /.test(l));
  assert.equal(opens.length, 2, opens.join("\n"));
  assert.match(opens[0], /^SEND \(early socket\) <open xmlns="urn:ietf:params:xml:ns:xmpp-framing" to="localhost" version="1.0"\/>$/);
  assert.match(opens[1], /^SEND <open /, "the restart after SASL");
  assert.ok(trace.findIndex((l) => l.startsWith("RECV <open")) > trace.indexOf(opens[0]), "the server's header after ours");
  await page.close();
});

test("a page whose host is not the domain: the early stream is refused, and the login opens its own", async () => {
  // The same tunnel at 127.0.0.1: the page's early stream asks for a
  // domain Prosody does not serve.
  const { page, trace } = await tracedPage(env.stack.server.tunnelUrl.replace("//localhost:", "//127.0.0.1:"));
  await login(page, env.stack.server, "agent1", "not-early");
  const opens = trace.filter((l) => /^SEND( \(early socket\))? <open /.test(l));
  assert.deepEqual(opens.map((l) => l.slice(0, 6)), ["SEND <", "SEND <"], opens.join("\n"));
  await page.close();
});

test("12.x order (12,3,5,1,2, no 6) reaches connected and defaults the pubsub service", async () => {
  const page = await openParent(env.context, env.stack);
  const node = "/finesse/api/User/agent2";
  await env.publisher.createNode(env.stack.server.pubsub, node);
  await page.evaluate((d) => window.send("12|websocket", "3|desk12", `5|${d}`, "1|Agent2", "2|agent2-pw"), env.stack.server.domain);
  await waitMessage(page, "4|connected");
  const msgs = await received(page);
  assert.equal(msgs[msgs.indexOf("4|connected") - 1], "3|desk12");
  await page.evaluate((n) => window.send(`7|${n}`), node);
  await waitMessage(page, `7|${node}`);
  await page.close();
});

test("a resource that arrives after the password still applies", async () => {
  const page = await openParent(env.context, env.stack);
  await page.evaluate((d) => window.send("1|agent3", `5|${d}`, "2|agent3-pw", "3|late-resource"), env.stack.server.domain);
  await waitMessage(page, "4|connected");
  const msgs = await received(page);
  assert.equal(msgs[msgs.indexOf("4|connected") - 1], "3|late-resource");
  await page.close();
});

test("CONNECT_REQ (type 10) logs in with all credentials in one message", async () => {
  const page = await openParent(env.context, env.stack);
  await page.evaluate((d) => window.send(`10|<connInfo><id>agent4</id><password>agent4-pw</password><xmppDomain>${d}</xmppDomain></connInfo>`), env.stack.server.domain);
  await waitMessage(page, "4|connected");
  await page.close();
});

test("SUBSCRIBE, byte-exact events, SUBSCRIPTIONS_REQ, UNSUBSCRIBE", async () => {
  const page = await openParent(env.context, env.stack);
  await login(page, env.stack.server, "agent5", "desk");
  const nodeA = "/finesse/api/User/agent5";
  const nodeB = "/finesse/api/Team/Dev Ops/Zoë";
  for (const n of [nodeA, nodeB]) await env.publisher.createNode(env.stack.server.pubsub, n);
  await page.evaluate(([a, b]) => window.send(`7|${a}`, `7|${b}`), [nodeA, nodeB]);
  await waitMessage(page, `7|${nodeA}`);
  await waitMessage(page, `7|${nodeB}`);

  const updates = [
    "<Update><data><user><state>READY</state></user></data><event>PUT</event><requestId>1</requestId></Update>",
    "<Update><data>a|b|c &amp; d &lt; e &gt; f \"q\" 'a'</data></Update>",
    "<Update><data><name>Zoë Ångström 日本語 😀</name></data></Update>",
    "<Update>\n  <data>  spaced\ttext  </data>\n</Update>",
  ];
  for (const u of updates) await publish(nodeA, u);
  await publish(nodeB, updates[2]);
  const expected = updates.map((u) => `0|${encodeURI(nodeA)}${u}`).concat([`0|${encodeURI(nodeB)}${updates[2]}`]);
  await until(page, (n) => window.received.filter((m) => m.data.startsWith("0|")).length >= n, expected.length);
  const events = (await received(page)).filter((m) => m.startsWith("0|"));
  assert.deepEqual(events, expected);

  await page.evaluate(() => window.send("14|"));
  await waitMessage(page, /^14\|\[/);
  const list = JSON.parse((await received(page)).find((m) => m.startsWith("14|[")).slice(3));
  assert.deepEqual(list.map((s) => s.node).sort(), [nodeA, nodeB].sort());
  for (const s of list) {
    assert.equal(s.subscription, "subscribed");
    assert.match(s.jid, /^agent5@localhost\/desk$/);
  }

  await page.evaluate((a) => window.send(`8|${a}`), nodeA);
  await waitMessage(page, `8|${nodeA}`);
  await publish(nodeA, "<Update><data>after unsubscribe</data></Update>");
  await publish(nodeB, "<Update><data>still subscribed</data></Update>");
  await waitMessage(page, `0|${encodeURI(nodeB)}<Update><data>still subscribed</data></Update>`);
  await sleep(300);
  assert.ok(!(await received(page)).some((m) => m.includes("after unsubscribe")), "no events after UNSUBSCRIBE");
  await page.close();
});

test("SUBSCRIBE to a missing node gets one error reply", async () => {
  const page = await openParent(env.context, env.stack);
  await login(page, env.stack.server, "agent6", "desk");
  await page.evaluate(() => window.send("7|/no/such/node"));
  await waitMessage(page, /^7\|\/no\/such\/node\|<ApiErrors>/);
  await sleep(300);
  assert.equal((await received(page)).filter((m) => m.startsWith("7|")).length, 1);
  await page.close();
});

test("a wrong password gives unauthorized", async () => {
  const page = await openParent(env.context, env.stack);
  await page.evaluate((d) => window.send("1|agent7", `5|${d}`, "2|wrong-password"), env.stack.server.domain);
  await waitMessage(page, "4|unauthorized");
  assert.ok(!(await received(page)).some((m) => m.includes("wrong-password")), "the password never comes back");
  await page.close();
});

test("the same resource logged in elsewhere gives conflict", async () => {
  const page = await openParent(env.context, env.stack);
  await login(page, env.stack.server, "agent8", "desk");
  const s = env.stack.server;
  const rival = await connectClient({ url: s.wsUrl, domain: s.domain, user: "agent8", password: "agent8-pw", resource: "desk" });
  await waitMessage(page, "4|conflict");
  await rival.close();
  await page.close();
});

test("messages from a non-allowed origin change nothing and are never answered", async () => {
  // The same parent page, served from an origin the tunnel does not allow.
  const other = await startStaticServer({ root: repoRoot, host: "127.0.0.2" });
  const hostile = await env.context.newPage();
  await hostile.goto(env.stack.parentUrl().replace(env.stack.pages.origin, other.origin));
  await sleep(1500);
  await hostile.evaluate((d) => window.send("1|agent1", `5|${d}`, "2|agent1-pw", "14|", "7|/x", "11|"), env.stack.server.domain);
  await sleep(1500);
  assert.deepEqual(await hostile.evaluate(() => window.received), [], "not even loaded goes to a non-allowed origin");
  await hostile.close();
  await other.stop();
});

test("messages from a frame that is not the parent are ignored", async () => {
  const sibling = `${env.stack.pages.origin}/tests/browser/pages/sibling.html`;
  const page = await openParent(env.context, env.stack, `&sibling=${encodeURIComponent(sibling)}`);
  const before = (await received(page)).length;
  const frame = page.frames().find((f) => f.name() === "sibling");
  await frame.waitForFunction(() => typeof window.attack === "function");
  await frame.evaluate((d) => window.attack(["1|agent1", `5|${d}`, "2|agent1-pw", "14|", "7|/x"]), env.stack.server.domain);
  await sleep(1500);
  assert.equal((await received(page)).length, before, "the tunnel did nothing");
  assert.deepEqual(await frame.evaluate(() => window.received), [], "and answered nobody");
  await page.close();
});

test("DISCONNECT_REQ: unloading, unsubscribes, then disconnected", async () => {
  const page = await openParent(env.context, env.stack);
  await login(page, env.stack.server, "agent1", "bye");
  const nodes = ["/finesse/api/User/agent1", "/finesse/api/User/agent1/Dialogs"];
  for (const n of nodes) await env.publisher.createNode(env.stack.server.pubsub, n);
  await page.evaluate((ns) => window.send(...ns.map((n) => `7|${n}`)), nodes);
  for (const n of nodes) await waitMessage(page, `7|${n}`);
  const start = (await received(page)).length;
  await page.evaluate(() => window.send("11|"));
  await waitMessage(page, "4|disconnected");
  // (The server reflects our unavailable presence; PRESENCE is not part of the sequence.)
  const tail = (await received(page)).slice(start).filter((m) => !m.startsWith("9|"));
  assert.deepEqual(tail, ["4|unloading", ...nodes.map((n) => `8|${n}`), "3|bye", "4|disconnecting", "3|bye", "4|disconnected"]);
  // The service agrees: no subscription is left behind.
  for (const n of nodes) {
    const subs = await env.publisher.iq(
      `<iq type='get' to='${env.stack.server.pubsub}'><pubsub xmlns='http://jabber.org/protocol/pubsub#owner'><subscriptions node='${escapeXml(n)}'/></pubsub></iq>`,
    );
    assert.ok(!subs.includes("agent1@"), `left a subscription on ${n}: ${subs}`);
  }
  await page.close();
});

test("closing the page (pagehide) unsubscribes before the socket goes", async () => {
  const page = await openParent(env.context, env.stack);
  await login(page, env.stack.server, "agent2", "closing");
  const node = "/finesse/api/User/agent2/Dialogs";
  await env.publisher.createNode(env.stack.server.pubsub, node);
  await page.evaluate((n) => window.send(`7|${n}`), node);
  await waitMessage(page, `7|${node}`);
  const ownerQuery = `<iq type='get' to='${env.stack.server.pubsub}'><pubsub xmlns='http://jabber.org/protocol/pubsub#owner'><subscriptions node='${escapeXml(node)}'/></pubsub></iq>`;
  assert.ok((await env.publisher.iq(ownerQuery)).includes("agent2@localhost/closing"));
  await page.close();
  let subs = "";
  for (let i = 0; i < 40; i++) {
    subs = await env.publisher.iq(ownerQuery);
    if (!subs.includes("agent2@")) break;
    await sleep(100);
  }
  assert.ok(!subs.includes("agent2@"), `left a subscription behind: ${subs}`);
});

// The page's script is inline (scripts/page.mjs): a deployment with a strict
// Content-Security-Policy allows it by the hash the build prints. The same
// policy without the hash must stop the page, or the first half proves nothing.
test("under a strict Content-Security-Policy with the script's hash, the tunnel logs in", async () => {
  const html = fs.readFileSync(builtPage, "utf8");
  const ws = new URL(env.stack.server.wsUrl).origin;
  const policy = (scripts) => `default-src 'none'; ${scripts}; connect-src 'self' ${ws}; worker-src blob:`;
  const withPolicy = async (csp) => {
    const context = await env.browser.newContext();
    await context.route((url) => url.href.startsWith(env.stack.server.tunnelUrl.split("?")[0]) && url.pathname.endsWith("/"), async (route) => {
      const response = await route.fetch();
      await route.fulfill({ response, headers: { ...response.headers(), "content-security-policy": csp } });
    });
    return context;
  };
  const strict = await withPolicy(policy(scriptSrc(html)));
  const page = await openParent(strict, env.stack);
  await login(page, env.stack.server, "agent5", "csp");
  await strict.close();

  const noHash = await withPolicy(policy("script-src 'self' 'wasm-unsafe-eval'"));
  const blocked = await noHash.newPage();
  await blocked.goto(env.stack.parentUrl());
  await sleep(1500);
  assert.deepEqual(await received(blocked), [], "without the hash, the inline script must not run");
  await noHash.close();
});

test("a password with full-width and composed characters logs in: SASLprep with NFKC", async () => {
  await checkUnicodePasswords(env, "SCRAM-SHA-1");
});
