// Nothing lost across faults, in a real browser against a real Prosody
// (mod_smacks) behind a loopback proxy the test controls, while a publisher
// sends numbered events at a steady rate: a 2 s drop over WebSocket and over
// BOSH, a server killed and restarted, a black-holed connection, a proxy that
// refuses WebSocket upgrades, and a primary endpoint that is down.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { escapeXml } from "../support/xmpp-client.mjs";
import { startProxy } from "../support/proxy.mjs";
import { freePort } from "../support/ports.mjs";
import { launchBrowser, startStack, openParent, received, waitMessage, until, sleep, connectPublisher } from "./harness.mjs";

const browser = await launchBrowser();
after(() => browser.close());

/** A Prosody, a proxy in front of its HTTP port, the publisher. */
async function faultStack(tunnelConfig = {}) {
  const stack = await startStack({ tunnelConfig });
  const proxy = await startProxy({ targetPort: stack.server.httpPort });
  const publisher = await connectPublisher(stack.server);
  return {
    stack,
    proxy,
    publisher,
    tunnelUrl: `http://localhost:${proxy.port}/tunnel/`,
    async stop() {
      await publisher.close().catch(() => {});
      await proxy.stop();
      await stack.stop();
    },
  };
}

/** Publishes `<Update><seq>N</seq></Update>` every `everyMs` until stopped. */
function steady(f, node, everyMs) {
  let seq = 0;
  let running = true;
  const done = (async () => {
    while (running) {
      const u = `<Update><seq>${seq}</seq><data>steady &amp; ordered</data></Update>`;
      await f.publisher.publish(f.stack.server.pubsub, node, `<notification xmlns='http://jabber.org/protocol/pubsub'>${escapeXml(u)}</notification>`);
      seq += 1;
      await sleep(everyMs);
    }
  })();
  return async () => {
    running = false;
    await done;
    return seq;
  };
}

const seqs = async (page) =>
  (await received(page)).filter((m) => m.startsWith("0|")).map((m) => Number(/<seq>(\d+)<\/seq>/.exec(m)[1]));

async function loginThrough(f, page, user, first = []) {
  await page.evaluate(({ user, d, first }) => window.send(...first, `1|${user}`, `5|${d}`, `2|${user}-pw`), { user, d: f.stack.server.domain, first });
  await waitMessage(page, "4|connected");
}

async function dropFor2s(transport) {
  const f = await faultStack();
  try {
    const page = await openParent(await browser.newContext(), f.stack, "", f.tunnelUrl);
    await loginThrough(f, page, "agent1", transport === "bosh" ? ["12|bosh"] : []);
    const node = `/finesse/api/User/agent1/${transport}`;
    await f.publisher.createNode(f.stack.server.pubsub, node);
    await page.evaluate((n) => window.send(`7|${n}`), node);
    await waitMessage(page, `7|${node}`);
    const stop = steady(f, node, 40);
    await sleep(1500);
    f.proxy.cut(2000); // both ways, and nothing gets through for 2 s
    await sleep(4000);
    const count = await stop();
    await until(page, (n) => window.received.filter((m) => m.data.startsWith("0|")).length >= n, count, 30_000);
    await sleep(300);
    const got = await seqs(page);
    assert.deepEqual(got, Array.from({ length: count }, (_, i) => i), `every event exactly once, in order (${count} sent)`);
    return { page, msgs: await received(page) };
  } finally {
    await f.stop();
  }
}

test("a 2 s drop over WebSocket: every event exactly once and in order (stream resumption)", async () => {
  const { msgs } = await dropFor2s("websocket");
  assert.ok(msgs.includes("4|reconnecting"), "the drop was noticed");
  assert.ok(msgs.includes("13|resumed the session (XEP-0198): no event lost"), "resumed, not a new session");
  assert.ok(!msgs.some((m) => m.startsWith("101|")), "no gap");
});

test("a 2 s drop over BOSH: every event exactly once and in order", async () => {
  await dropFor2s("bosh");
});

test("the server killed and restarted: reconnecting, connected, subscriptions work again", async () => {
  const f = await faultStack({ reconnectBaseMs: 500, reconnectMaxMs: 2000 });
  try {
    const page = await openParent(await browser.newContext(), f.stack, "", f.tunnelUrl);
    await loginThrough(f, page, "agent2");
    const node = "/finesse/api/User/agent2";
    await f.publisher.createNode(f.stack.server.pubsub, node);
    await page.evaluate((n) => window.send(`7|${n}`), node);
    await waitMessage(page, `7|${node}`);
    await f.publisher.close().catch(() => {});
    await f.stack.server.kill();
    await waitMessage(page, "4|reconnecting");
    await sleep(1000);
    await f.stack.server.restart();
    f.publisher = await connectPublisher(f.stack.server);
    await f.publisher.createNode(f.stack.server.pubsub, node);
    await until(page, () => window.received.filter((m) => m.data === "4|connected").length >= 2, undefined, 30_000);
    const update = "<Update><data>after the restart</data></Update>";
    // The tunnel subscribed again on its own; retry the publish until it lands.
    for (let i = 0; i < 20 && !(await received(page)).includes(`0|${encodeURI(node)}${update}`); i++) {
      await f.publisher.publish(f.stack.server.pubsub, node, `<notification xmlns='http://jabber.org/protocol/pubsub'>${escapeXml(update)}</notification>`);
      await sleep(300);
    }
    await waitMessage(page, `0|${encodeURI(node)}${update}`);
  } finally {
    await f.stop();
  }
});

test("a black-holed connection is detected by pings within interval × (retries + 1) + timeout", async () => {
  // A reconnect attempt may start before the black hole is lifted; it then
  // waits out the connect timeout, kept short so that recovery fits the wait.
  const f = await faultStack({ connectTimeoutMs: 5000 });
  try {
    const page = await openParent(await browser.newContext(), f.stack, "", f.tunnelUrl);
    const ping = { xmppFailoverDetectionPingInterval: "1000", xmppRequestTimeout: "1000", xmppFailoverRequestMaxRetry: "2" };
    await loginThrough(f, page, "agent3", [`15|${JSON.stringify(ping)}`]);
    const bound = 1000 * (2 + 1) + 1000;
    await sleep(500);
    const start = Date.now();
    f.proxy.blackhole(true);
    await waitMessage(page, "4|reconnecting", 20_000);
    const detected = (await page.evaluate(() => window.received.find((m) => m.data === "4|reconnecting").t)) - start;
    // Timers are coarse: allow one interval of slack on top of the bound.
    assert.ok(detected <= bound + 1000, `detected after ${detected} ms (bound ${bound} ms)`);
    f.proxy.blackhole(false);
    await until(page, () => window.received.filter((m) => m.data === "4|connected").length >= 2, undefined, 30_000);
  } finally {
    await f.stop();
  }
});

test("a proxy refusing WebSocket upgrades: connected over BOSH", async () => {
  const f = await faultStack();
  try {
    f.proxy.refuseUpgrades(true);
    const page = await openParent(await browser.newContext(), f.stack, "", f.tunnelUrl);
    await loginThrough(f, page, "agent4");
    const msgs = await received(page);
    assert.ok(msgs.includes(`13|connecting to http://localhost:${f.proxy.port}/http-bind/`), "fell back to BOSH");
  } finally {
    await f.stop();
  }
});

test("the primary endpoint down: connected to the secondary", async () => {
  const dead = await freePort();
  const f = await faultStack({ websocket: [`ws://localhost:${dead}/ws/`, "/ws/"], bosh: [] });
  try {
    const page = await openParent(await browser.newContext(), f.stack, "", f.tunnelUrl);
    await loginThrough(f, page, "agent5");
    const msgs = await received(page);
    assert.ok(msgs.includes(`13|connecting to ws://localhost:${dead}/ws/`));
    assert.ok(msgs.includes(`13|connecting to ws://localhost:${f.proxy.port}/ws/`));
  } finally {
    await f.stop();
  }
});
