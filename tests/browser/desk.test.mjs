// The main job end to end: the demo desk (parent-side client library on
// 127.0.0.1) embeds the tunnel (localhost), signs an agent in, subscribes the
// demo nodes and shows the publisher's live Finesse updates.
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
  await page.click("#logout");
  await page.waitForSelector('#status[data-status="disconnected"]', { timeout: 15000 });
  assert.deepEqual(errors, []);
  await page.close();
});
