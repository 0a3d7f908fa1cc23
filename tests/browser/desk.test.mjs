// The main job end to end: the demo desk (parent-side client library on
// 127.0.0.1) embeds the tunnel (localhost), signs an agent in, subscribes the
// demo nodes and shows the publisher's live Finesse updates; its fault
// buttons show a resumed session and a gap, the publisher survives the
// server's restart, and signing out clears what the desk showed.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startDemo } from "../../scripts/demo.mjs";
import { launchBrowser } from "./harness.mjs";

let demo, browser;

before(async () => {
  demo = await startDemo({ intervalMs: 200 });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await demo?.stop();
});

test("the demo desk signs in and shows live events, presence and state", async () => {
  const page = await browser.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(demo.deskUrl);
  await page.waitForFunction(() => document.getElementById("agent").options.length > 0);
  await page.click("#login-form button[type=submit]");
  await page.waitForSelector('#status[data-status="connected"]', { timeout: 15000 });
  await page.waitForFunction(() => Number(document.getElementById("count").textContent) >= 3, null, { timeout: 15000 });
  const first = await page.textContent("#events li");
  assert.match(first, /^\/finesse\/api\/\S+ <Update>.*<\/Update>$/s);
  await page.waitForFunction(() => document.getElementById("state").textContent !== "—", null, { timeout: 15000 });
  await page.waitForFunction(() => document.querySelectorAll("#node-list li").length === 4, null, { timeout: 15000 });
  assert.match(await page.textContent("#log"), /logged in as 1001001@localhost\/desk \(SCRAM-SHA-1\)/);

  // Dropped: back, resumed, nothing lost, no gap.
  const count = async () => Number(await page.textContent("#count"));
  await page.click("#drop");
  await page.waitForFunction(() => document.getElementById("notice").textContent.startsWith("Connected again: the session was resumed"), null, { timeout: 20000 });
  // Restarted: a new session and the gap notice; the publisher carries on.
  await page.click("#restart");
  await page.waitForFunction(() => document.getElementById("notice").textContent.includes("gap notice"), null, { timeout: 30000 });
  const after = await count();
  await page.waitForFunction((n) => Number(document.getElementById("count").textContent) >= n + 3, after, { timeout: 20000 });
  assert.match(await page.textContent("#log"), /the connection was lost|connection lost/);

  await page.click("#logout");
  await page.waitForSelector('#status[data-status="disconnected"]', { timeout: 15000 });
  assert.equal(await page.textContent("#state"), "—", "sign-out clears the agent's state");
  assert.equal(await page.textContent("#dialog"), "none");
  assert.equal(await page.locator("#node-list li").count(), 0);
  assert.equal(await page.isHidden("#error"), true, await page.textContent("#error"));
  assert.deepEqual(errors, []);
  await page.close();
});

test("the demo's data agree: never READY while a call is up", async () => {
  const { finesseUpdate, DEMO_NODES } = await import("../../scripts/publisher.mjs");
  for (let round = 0; round < 30; round++) {
    const [user, dialogs] = DEMO_NODES.slice(0, 2).map((n, i) => finesseUpdate(n, round * 4 + i + 1, round));
    const agentState = /<state>([A-Z_]+)<\/state>/.exec(user)[1];
    const call = /<Dialog>.*<state>([A-Z]+)<\/state>/s.exec(dialogs)?.[1];
    if (call && call !== "DROPPED") assert.notEqual(agentState, "READY", `round ${round}: ${call}`);
    if (agentState === "TALKING") assert.ok(call === "ACTIVE" || call === "HELD", `round ${round}`);
  }
});
