// Failover across a real 2-node ejabberd cluster (tests/support/
// ejabberd-cluster.mjs), in Chromium: the tunnel lists both nodes; the node
// holding its session is killed, stopped gracefully, or frozen (SIGSTOP),
// over WebSocket and over BOSH, and comes back and rejoins. A publisher on
// the surviving node sends numbered events all along; every one must reach
// the parent once and in order, or fall inside a window the tunnel
// announced with the gap notice (101). Each scenario's time from the fault
// to `connected` is printed (for the closing figures: `npm run failover`
// repeats them).
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { launchBrowser } from "./harness.mjs";
import { scenario, SCENARIOS } from "./cluster-scenarios.mjs";

const browser = await launchBrowser();
after(() => browser.close());

test("kill -9 of the node holding the session; it comes back, rejoins, and takes the tunnel back when the other dies", async () => {
  await scenario(browser, "kill -9", SCENARIOS["kill -9"]);
});

test("graceful stop of the node holding the session: the tunnel leaves it at once", async () => {
  const { ms } = await scenario(browser, "graceful stop", SCENARIOS["graceful stop"]);
  assert.ok(ms < 5000, `${ms} ms`);
});

test("the node frozen (SIGSTOP): detected within the ping bound", async () => {
  const { ms } = await scenario(browser, "SIGSTOP", SCENARIOS.SIGSTOP);
  // interval × (retries + 1) + timeout = 3 s to notice; the surviving node
  // holds the resumption for its frozen peer, which the tunnel gives up
  // after xmppRequestTimeout (1 s); then a login.
  assert.ok(ms < 3000 + 1000 + 4000, `${ms} ms`);
});

test("over BOSH (12|bosh): kill -9 of the node holding the session", async () => {
  await scenario(browser, "BOSH kill -9", SCENARIOS["BOSH kill -9"]);
});

test("over BOSH (12|bosh): graceful stop of the node holding the session", async () => {
  const { ms } = await scenario(browser, "BOSH graceful stop", SCENARIOS["BOSH graceful stop"]);
  assert.ok(ms < 5000, `${ms} ms`);
});
