// Interop: login → subscribe → event against a private ejabberd, the server
// that clusters (what a large deployment runs). It offers SCRAM-SHA-512,
// which the tunnel must pick.
import { test } from "node:test";
import assert from "node:assert/strict";
import { escapeXml } from "../support/xmpp-client.mjs";
import { openParent, login, received, waitMessage, checkUnicodePasswords, withStack } from "./harness.mjs";

const env = withStack({ kind: "ejabberd" });

test("ejabberd: SCRAM-SHA-512 login, subscribe, byte-exact event, unsubscribe", async () => {
  const context = await env.browser.newContext();
  const page = await openParent(context, env.stack);
  await login(page, env.stack.server, "agent1", "desk");
  assert.ok((await received(page)).includes("13|logged in as agent1@localhost/desk (SCRAM-SHA-512)"));
  const node = "/finesse/api/User/agent1";
  await env.publisher.createNode(env.stack.server.pubsub, node);
  await page.evaluate((n) => window.send(`7|${n}`), node);
  await waitMessage(page, `7|${node}`);
  const update = "<Update><data><state>TALKING</state><x>a|b &amp; ü</x></data></Update>";
  await env.publisher.publish(env.stack.server.pubsub, node,
    `<notification xmlns='http://jabber.org/protocol/pubsub'>${escapeXml(update)}</notification>`);
  await waitMessage(page, `0|${encodeURI(node)}${update}`);
  await page.evaluate(() => window.send("14|"));
  await waitMessage(page, /^14\|\[/);
  await page.evaluate((n) => window.send(`8|${n}`), node);
  await waitMessage(page, `8|${node}`);
  await context.close();
});

test("ejabberd over BOSH: login, subscribe, event", async () => {
  const context = await env.browser.newContext();
  const page = await openParent(context, env.stack);
  await page.evaluate((d) => window.send("12|bosh", "3|bosh", "1|agent2", `5|${d}`, "2|agent2-pw"), env.stack.server.domain);
  await waitMessage(page, "4|connected");
  assert.ok((await received(page)).includes("13|logged in as agent2@localhost/bosh (SCRAM-SHA-512)"));
  const node = "/finesse/api/User/agent2";
  await env.publisher.createNode(env.stack.server.pubsub, node);
  await page.evaluate((n) => window.send(`7|${n}`), node);
  await waitMessage(page, `7|${node}`);
  const update = "<Update><data><state>READY</state></data></Update>";
  await env.publisher.publish(env.stack.server.pubsub, node,
    `<notification xmlns='http://jabber.org/protocol/pubsub'>${escapeXml(update)}</notification>`);
  await waitMessage(page, `0|${encodeURI(node)}${update}`);
  await context.close();
});

test("a password with full-width and composed characters logs in: SASLprep with NFKC", async () => {
  await checkUnicodePasswords(env, "SCRAM-SHA-512");
});
