// The main job end to end: the demo desk (parent-side client library on
// 127.0.0.1) embeds the tunnel (localhost), signs an agent in, subscribes the
// demo nodes and shows the publisher's live Finesse updates; its fault
// buttons show a resumed session and a gap, the publisher survives the
// server's restart, and signing out clears what the desk showed. Through
// the tunnel's IM page it also answers a buddy request, chats, sits in the
// team room and takes a helpdesk ticket from the bot, recorded in SQLite
// with the online board.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { startDemo } from "../../scripts/demo.mjs";
import { connectClient, xml } from "../support/xmpp-client.mjs";
import { launchBrowser } from "./harness.mjs";

let demo, browser, dbDir;

before(async () => {
  dbDir = fs.mkdtempSync(path.join(os.tmpdir(), "xmpp-tunnel-desk-db-"));
  demo = await startDemo({ intervalMs: 200, db: path.join(dbDir, "helpdesk.sqlite"), customerEveryMs: 0 });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await demo?.stop();
  if (dbDir) fs.rmSync(dbDir, { recursive: true, force: true });
});

test("the desk chats, answers a buddy request, sits in the team room and takes a helpdesk ticket", async () => {
  const page = await browser.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(demo.deskUrl);
  await page.waitForFunction(() => document.getElementById("agent").options.length > 0);
  await page.fill("#res", "im-desk");
  await page.click("#login-form button[type=submit]");
  await page.waitForSelector('#status[data-status="connected"]', { timeout: 15000 });
  const domain = demo.server.domain;
  // The buddy list the demo set up, and the supervisor's request.
  await page.waitForSelector(`#buddies li[data-jid="helpdesk@${domain}"]`, { timeout: 15000 });
  await page.waitForSelector(`#buddies li[data-jid="1001002@${domain}"]`);
  await page.waitForSelector(`#requests li[data-jid="supervisor@${domain}"]`, { timeout: 15000 });
  await page.click(`#requests li[data-jid="supervisor@${domain}"] button:text("Accept")`);
  await page.waitForSelector(`#buddies li[data-jid="supervisor@${domain}"]`, { timeout: 15000 });
  // The team room.
  await page.waitForFunction(() => [...document.querySelectorAll("#occupants li")].some((l) => l.textContent === "1001001"), null, { timeout: 15000 });

  // A chat from the other agent, answered from the desk.
  const other = await connectClient({ url: demo.server.wsUrl, domain, user: "1001002", password: "agent-demo-2", resource: "test" });
  const got = new Promise((resolve) => other.onStanza((el) => el.getName() === "message" && el.getChildText("body") && resolve(el.getChildText("body"))));
  other.send(xml`<message type='chat' to='1001001@${domain}'><body>${"Lunch at <1>?"}</body></message>`);
  await page.waitForFunction(() => [...document.querySelectorAll("#chat-log li.in")].some((l) => l.textContent === "Lunch at <1>?"), null, { timeout: 15000 });
  await page.fill("#chat-input", "Sure & thanks");
  await page.click("#chat-form button");
  assert.equal(await got, "Sure & thanks");
  await page.waitForFunction(() => document.querySelector("#chat-log li.out .tick")?.textContent.trim() === "✓", null, { timeout: 15000 });
  await other.close();

  // The helpdesk: the customer asks, the desk accepts, answers and closes.
  demo.customer.ask();
  await page.waitForSelector("#tickets .ticket.offered button.accept", { timeout: 15000 });
  const id = Number(await page.getAttribute("#tickets .ticket.offered", "data-ticket"));
  assert.equal(demo.db.ticket(id).state, "offered");
  assert.equal(demo.db.ticket(id).agent, `1001001@${domain}`);
  await page.click(`#tickets .ticket[data-ticket="${id}"] button.accept`);
  await page.waitForSelector(`#tickets .ticket.open[data-ticket="${id}"] input`, { timeout: 15000 });
  await page.fill(`#tickets .ticket[data-ticket="${id}"] input`, "Please replug the headset.");
  await page.click(`#tickets .ticket[data-ticket="${id}"] form button`);
  await page.waitForFunction((id) => document.querySelector(`#tickets .ticket[data-ticket="${id}"]`)?.textContent.includes("Thanks, that helped!"), id, { timeout: 15000 });
  await page.click(`#tickets .ticket[data-ticket="${id}"] button.close`);
  await page.waitForSelector(`#tickets .ticket.closed[data-ticket="${id}"]`, { timeout: 15000 });
  assert.equal(demo.db.ticket(id).state, "closed");
  assert.deepEqual(demo.db.messages(id).map((m) => m.body), ["My headset has no sound.", "Please replug the headset.", "Thanks, that helped!"]);

  // The online board, from the same database.
  const board = await (await fetch(demo.deskUrl + "board.json")).json();
  assert.ok(board.online.some((o) => o.jid === `1001001@${domain}` && o.show === "available"), JSON.stringify(board.online));
  assert.ok(board.history.length >= 1);
  assert.ok(board.tickets.some((t) => t.id === id && t.state === "closed"));
  const boardPage = await browser.newPage();
  await boardPage.goto(demo.boardUrl);
  await boardPage.waitForFunction(() => document.querySelectorAll("#online tbody tr").length >= 1, null, { timeout: 15000 });
  await boardPage.close();

  await page.click("#logout");
  await page.waitForSelector('#status[data-status="disconnected"]', { timeout: 15000 });
  assert.equal(await page.locator("#buddies li").count(), 0, "sign-out clears the buddy list");
  assert.equal(await page.isHidden("#error"), true, await page.textContent("#error"));
  assert.deepEqual(errors, []);
  await page.close();
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
