// The tunnel over BOSH (type 12 `bosh`), in a real browser against a real
// Prosody: login, byte-exact events, subscriptions, DISCONNECT_REQ.
import { test } from "node:test";
import assert from "node:assert/strict";
import { escapeXml } from "../support/xmpp-client.mjs";
import { openParent, received, waitMessage, until, withStack } from "./harness.mjs";

const env = withStack({});

test("BOSH: 12.x order with 12|bosh logs in, relays events byte-exactly, disconnects cleanly", async () => {
  const page = await openParent(env.context, env.stack);
  await page.evaluate((d) => window.send("12|bosh", "3|bosh-desk", `5|${d}`, "1|agent1", "2|agent1-pw"), env.stack.server.domain);
  await waitMessage(page, "4|connected");
  const msgs = await received(page);
  assert.ok(msgs.some((m) => /^13\|connecting to http:\/\/localhost:\d+\/http-bind\/$/.test(m)), "over BOSH");
  const node = "/finesse/api/User/agent1/bosh";
  await env.publisher.createNode(env.stack.server.pubsub, node);
  await page.evaluate((n) => window.send(`7|${n}`), node);
  await waitMessage(page, `7|${node}`);
  const updates = Array.from({ length: 20 }, (_, i) => `<Update><seq>${i}</seq><data>a|b &amp; ü ${"x".repeat(i * 50)}</data></Update>`);
  for (const u of updates) {
    await env.publisher.publish(env.stack.server.pubsub, node, `<notification xmlns='http://jabber.org/protocol/pubsub'>${escapeXml(u)}</notification>`);
  }
  await until(page, (n) => window.received.filter((m) => m.data.startsWith("0|")).length >= n, updates.length);
  const events = (await received(page)).filter((m) => m.startsWith("0|"));
  assert.deepEqual(events, updates.map((u) => `0|${encodeURI(node)}${u}`), "every event once, in order");
  await page.evaluate(() => window.send("11|"));
  await waitMessage(page, "4|disconnected");
  const tail = (await received(page)).filter((m) => m.startsWith("4|")).slice(-3);
  assert.deepEqual(tail, ["4|unloading", "4|disconnecting", "4|disconnected"]);
  await page.close();
});
