// Instant messaging through the tunnel's im.html, in a real browser against
// a real server (Prosody or ejabberd, one file each): agents are
// TunnelClients (the npm library) in one parent page, each with its own
// tunnel iframe, talking to each other. Shared by im.test.mjs and
// im-ejabberd.test.mjs.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startProxy } from "../support/proxy.mjs";
import { connectClient, escapeXml, xml } from "../support/xmpp-client.mjs";
import { launchBrowser, startStack, sleep, USERS, connectPublisher } from "./harness.mjs";

// Besides the usual agents: a few more, so that no test shares an account.
const IM_USERS = USERS.concat(["im1", "im2", "im3", "im4", "im5", "im6", "im7", "im8", "im9", "owner"]
  .map((user) => ({ user, password: `${user}-pw` })));

export function imTests(kind) {
  let stack, browser, page, proxy;
  const jid = (user) => `${user}@${stack.server.domain}`;
  const room = () => `team@conference.${stack.server.domain}`;

  before(async () => {
    stack = await startStack({ kind, users: IM_USERS });
    proxy = await startProxy({ targetPort: stack.server.httpPort });
    browser = await launchBrowser();
    page = await browser.newPage();
    page.on("pageerror", (e) => console.error("page error:", e.message));
    await page.goto(`${stack.pages.origin}/tests/browser/pages/im.html`);
    await page.waitForFunction(() => window.libReady);
  });

  after(async () => {
    await browser?.close();
    await proxy?.stop();
    await stack?.stop();
  });

  /** A signed-in agent `name` (user `user`, resource `resource`), IM started. */
  async function agent(name, user, { resource = "desk", viaProxy = false } = {}) {
    const base = viaProxy ? `http://localhost:${proxy.port}/tunnel/` : stack.server.tunnelUrl;
    await page.evaluate(async ({ name, user, resource, url, domain }) => {
      await window.mk(name, url);
      await window.agents[name].connect({ id: user, password: `${user}-pw`, domain, resource });
      await window.agents[name].roster();
    }, { name, user, resource, url: `${base}im.html`, domain: stack.server.domain });
  }

  /** client[method](...args) in the page: its result, or `{error: condition}`. */
  const call = (name, method, ...args) =>
    page.evaluate(({ name, method, args }) =>
      window.agents[name][method](...args).then((v) => v ?? null, (e) => ({ error: e.condition, detail: e.detail ?? null })),
    { name, method, args });

  /** The events of `kind` agent `name` got, oldest first. */
  const events = (name, kind) => page.evaluate(({ name, kind }) => window.events[name].filter((e) => e.kind === kind).map((e) => e.value), { name, kind });

  /** Waits for an event of `kind` for which `pred` (source of a function of the event) holds. */
  async function waitEvent(name, kind, pred, timeout = 15000) {
    try {
      await page.waitForFunction(({ name, kind, pred }) => {
        const f = new Function(`return (${pred})`)();
        return window.events[name].some((e) => e.kind === kind && f(e.value));
      }, { name, kind, pred }, { timeout, polling: 50 });
    } catch (e) {
      const got = await page.evaluate((n) => JSON.stringify(window.events[n]), name);
      e.message += `\nwaiting for ${kind} ${pred} at ${name}; it got: ${got.slice(-3000)}`;
      throw e;
    }
    return (await events(name, kind)).filter(new Function(`return (${pred})`)());
  }

  /** a asks b, b accepts, and a accepts b's request back: buddies both ways. */
  async function befriend(a, aUser, b, bUser) {
    assert.deepEqual(await call(a, "askBuddy", jid(bUser), { name: bUser, groups: ["Team"] }), {});
    await waitEvent(b, "buddyRequest", `(r) => r.from === ${JSON.stringify(jid(aUser))}`);
    assert.deepEqual(await call(b, "answerBuddy", jid(aUser), "accept"), {});
    await waitEvent(a, "subscription", `(s) => s.from === ${JSON.stringify(jid(bUser))} && s.type === "subscribed"`);
    await waitEvent(a, "buddyRequest", `(r) => r.from === ${JSON.stringify(jid(bUser))}`);
    assert.deepEqual(await call(a, "answerBuddy", jid(bUser), "accept"), {});
    await waitEvent(b, "subscription", `(s) => s.from === ${JSON.stringify(jid(aUser))} && s.type === "subscribed"`);
    await waitEvent(a, "roster", `(r) => r.items.some((i) => i.jid === ${JSON.stringify(jid(bUser))} && i.subscription === "both")`);
    await waitEvent(b, "roster", `(r) => r.items.some((i) => i.jid === ${JSON.stringify(jid(aUser))} && i.subscription === "both")`);
  }

  test(`${kind}: the IM page announces im; the legacy page does not`, async () => {
    const hello = await page.evaluate(async ({ base }) => {
      const out = [];
      for (const file of ["", "im.html"]) {
        const c = await window.mk(`hello${file}`, base + file);
        out.push(c.extensions);
      }
      return out;
    }, { base: stack.server.tunnelUrl });
    assert.deepEqual(hello, [{ protocol: 1, extensions: ["gap"] }, { protocol: 1, extensions: ["gap", "im"] }]);
  });

  test(`${kind}: two agents become buddies, chat with receipts and chat states, see each other's presence and history`, async () => {
    await agent("a1", "agent1");
    await agent("a2", "agent2");
    await befriend("a1", "agent1", "a2", "agent2");
    const roster = await call("a1", "roster");
    assert.deepEqual(roster, [{ jid: jid("agent2"), name: "agent2", subscription: "both", groups: ["Team"] }]);
    assert.deepEqual(await call("a2", "setPresence", "away", { status: "at lunch <back at 2>" }), {});
    await waitEvent("a1", "buddy", `(p) => p.from.startsWith(${JSON.stringify(jid("agent2") + "/")}) && p.show === "away" && p.status === "at lunch <back at 2>"`);

    const body = "<b>hello</b> & ü 😀\nsecond line";
    const sent = await call("a1", "sendMessage", jid("agent2"), body, { thread: "t-1" });
    assert.equal(sent.status, "sent");
    assert.equal(sent.acked, true, "acknowledged by stream management");
    const [got] = await waitEvent("a2", "chat", `(m) => m.body !== undefined`);
    assert.equal(got.body, body);
    assert.equal(got.thread, "t-1");
    assert.equal(got.type, "chat");
    assert.equal(got.unknown, undefined, "a buddy is known");
    assert.equal(got.messageId, sent.messageId);
    await waitEvent("a1", "receipt", `(r) => r.messageId === ${JSON.stringify(sent.messageId)}`);

    assert.deepEqual(await call("a2", "sendChatState", `${jid("agent1")}/desk`, "composing"), {});
    await waitEvent("a1", "chat", `(m) => m.state === "composing" && m.body === undefined`);

    const h = await call("a1", "history", { with: jid("agent2"), max: 10 });
    assert.ok(h.messages.some((m) => m.body === body && m.archiveId && m.stamp), JSON.stringify(h));
  });

  test(`${kind}: a declined and a deferred buddy request`, async () => {
    await agent("b1", "agent3");
    await agent("b2", "agent4");
    await agent("b3", "agent5");
    await call("b2", "askBuddy", jid("agent3"));
    await waitEvent("b1", "buddyRequest", `(r) => r.from === ${JSON.stringify(jid("agent4"))} && r.unknown === true`);
    await call("b1", "answerBuddy", jid("agent4"), "decline");
    await waitEvent("b2", "subscription", `(s) => s.from === ${JSON.stringify(jid("agent3"))} && s.type === "unsubscribed"`);

    await call("b3", "askBuddy", jid("agent3"), { status: "it is agent5" });
    await waitEvent("b1", "buddyRequest", `(r) => r.from === ${JSON.stringify(jid("agent5"))} && r.status === "it is agent5"`);
    await call("b1", "answerBuddy", jid("agent5"), "defer");
    // Signed out and in again: the server asks again.
    await page.evaluate(async () => {
      await window.agents.b1.disconnect();
      window.events.b1.length = 0;
    });
    await page.evaluate(async (d) => {
      await window.agents.b1.connect({ id: "agent3", password: "agent3-pw", domain: d, resource: "again" });
      await window.agents.b1.roster();
    }, stack.server.domain);
    await waitEvent("b1", "buddyRequest", `(r) => r.from === ${JSON.stringify(jid("agent5"))}`);
    assert.equal((await events("b1", "buddyRequest")).filter((r) => r.from === jid("agent4")).length, 0, "the declined one is gone");
  });

  test(`${kind}: a blocked sender reaches nobody until unblocked, then shows as unknown`, async () => {
    await agent("k1", "agent6");
    await agent("k2", "agent7");
    // (XEP-0191: the server pushes changes to sessions that fetched the list.)
    assert.deepEqual(await call("k1", "blocklist"), []);
    assert.deepEqual(await call("k1", "block", [jid("agent7")]), {});
    await waitEvent("k1", "blocklist", `(b) => b.blocked && b.blocked.includes(${JSON.stringify(jid("agent7"))})`);
    assert.deepEqual(await call("k1", "blocklist"), [jid("agent7")]);
    await call("k2", "sendMessage", jid("agent6"), "while blocked");
    await sleep(500);
    assert.deepEqual(await call("k1", "unblock"), {});
    await waitEvent("k1", "blocklist", `(b) => b.unblocked && b.unblocked.length === 0`);
    await call("k2", "sendMessage", jid("agent6"), "after unblocking");
    const [m] = await waitEvent("k1", "chat", `(m) => m.body === "after unblocking"`);
    assert.equal(m.unknown, true, "not a buddy");
    assert.equal((await events("k1", "chat")).filter((c) => c.body === "while blocked").length, 0);
  });

  test(`${kind}: a room with three occupants, messages, an invitation and its decline`, async () => {
    await agent("r1", "im1");
    await agent("r2", "im2");
    await agent("r3", "im3");
    await agent("r4", "im4");
    const joined = await call("r1", "joinRoom", room(), "One");
    assert.deepEqual(joined, { room: room(), nick: "One" });
    assert.deepEqual(await call("r2", "joinRoom", room(), "Two"), { room: room(), nick: "Two" });
    assert.deepEqual(await call("r3", "joinRoom", room(), "Three <3>"), { room: room(), nick: "Three <3>" });
    for (const nick of ["Two", "Three <3>"]) await waitEvent("r1", "occupant", `(o) => o.nick === ${JSON.stringify(nick)} && !o.left`);
    const sent = await call("r2", "sendMessage", room(), "hello room", { type: "groupchat" });
    assert.equal(sent.status, "sent");
    for (const r of ["r1", "r2", "r3"]) await waitEvent(r, "chat", `(m) => m.type === "groupchat" && m.body === "hello room" && m.from === ${JSON.stringify(`${room()}/Two`)}`);
    assert.deepEqual(await call("r1", "invite", room(), jid("im4"), { reason: "join us" }), {});
    const [inv] = await waitEvent("r4", "invitation", `(i) => i.room === ${JSON.stringify(room())}`);
    // The inviter: its JID (ejabberd), or its place in the room (Prosody,
    // whose rooms do not show real JIDs by default).
    assert.ok(inv.from.startsWith(jid("im1")) || inv.from === `${room()}/One`, JSON.stringify(inv));
    assert.equal(inv.reason, "join us");
    assert.deepEqual(await call("r4", "declineInvitation", room(), jid("im1"), { reason: "busy" }), {});
    const [dec] = await waitEvent("r1", "declined", `(d) => d.room === ${JSON.stringify(room())}`);
    assert.ok(dec.from.startsWith(jid("im4")) || dec.from.startsWith(room()), JSON.stringify(dec));
    assert.deepEqual(await call("r3", "leaveRoom", room()), {});
    await waitEvent("r1", "occupant", `(o) => o.nick === "Three <3>" && o.left`);
    const notIn = await call("r3", "sendMessage", room(), "after leaving", { type: "groupchat" });
    assert.equal(notIn.error, "not-acceptable");
    // The subject, set by the room's creator (its owner).
    const subj = await call("r1", "sendMessage", room(), undefined, { type: "groupchat", subject: "Queue is long <today>" });
    assert.equal(subj.status, "sent", JSON.stringify(subj));
    await waitEvent("r2", "chat", `(m) => m.type === "groupchat" && m.subject === "Queue is long <today>"`);
  });

  test(`${kind}: a password-protected room lets in only who knows the password`, async () => {
    // Its owner (a plain XMPP client) creates and configures it.
    const owner = await connectClient({ url: stack.server.wsUrl, domain: stack.server.domain, user: "owner", password: "owner-pw", resource: "o" });
    const secret = `vault@conference.${stack.server.domain}`;
    owner.send(xml`<presence to='${secret}/boss'><x xmlns='http://jabber.org/protocol/muc'/></presence>`);
    await sleep(300);
    await owner.iq(`<iq type='set' to='${secret}'><query xmlns='http://jabber.org/protocol/muc#owner'><x xmlns='jabber:x:data' type='submit'>
      <field var='FORM_TYPE'><value>http://jabber.org/protocol/muc#roomconfig</value></field>
      <field var='muc#roomconfig_passwordprotectedroom'><value>1</value></field>
      <field var='muc#roomconfig_roomsecret'><value>s3cret &amp; more</value></field></x></query></iq>`);
    await agent("v1", "im7");
    const wrong = await call("v1", "joinRoom", secret, "guest", { password: "nope" });
    assert.equal(wrong.error, "not-authorized", JSON.stringify(wrong));
    const right = await call("v1", "joinRoom", secret, "guest", { password: "s3cret & more" });
    assert.deepEqual(right, { room: secret, nick: "guest" });
    await owner.close();
  });

  test(`${kind}: appearing offline hides the agent from buddies and keeps the events coming`, async () => {
    await agent("o1", "im8");
    await agent("o2", "im9");
    await befriend("o1", "im8", "o2", "im9");
    const publisher = await connectPublisher(stack.server);
    const node = "/finesse/api/User/im8";
    await publisher.createNode(stack.server.pubsub, node);
    await page.evaluate((node) => {
      window.eventsSeen = [];
      window.agents.o1.on("event", (e) => window.eventsSeen.push(e.payload));
      return window.agents.o1.subscribe(node);
    }, node);
    assert.deepEqual(await call("o1", "setPresence", "offline"), {});
    await waitEvent("o2", "buddy", `(p) => p.from.startsWith(${JSON.stringify(jid("im8") + "/")}) && p.show === "offline"`);
    const update = "<Update><state>NOT_READY</state></Update>";
    await publisher.publish(stack.server.pubsub, node, `<notification xmlns='http://jabber.org/protocol/pubsub'>${escapeXml(update)}</notification>`);
    await page.waitForFunction((u) => window.eventsSeen.includes(u), update, { timeout: 15000 });
    assert.deepEqual(await call("o1", "setPresence", "available", { status: "back" }), {});
    await waitEvent("o2", "buddy", `(p) => p.from.startsWith(${JSON.stringify(jid("im8") + "/")}) && p.show === "available" && p.status === "back"`);
    await publisher.close();
  });

  test(`${kind}: carbons keep two desks of one agent in the same conversation`, async () => {
    await agent("c1", "im5", { resource: "desk1" });
    await agent("c2", "im5", { resource: "desk2" });
    await agent("c3", "im6");
    await call("c1", "sendMessage", jid("im6"), "from desk one");
    await waitEvent("c3", "chat", `(m) => m.body === "from desk one"`);
    const [copy] = await waitEvent("c2", "chat", `(m) => m.body === "from desk one"`);
    assert.equal(copy.carbon, "sent");
    assert.equal(copy.to, jid("im6"));
    await call("c3", "sendMessage", `${jid("im5")}/desk1`, "to desk one only");
    await waitEvent("c1", "chat", `(m) => m.body === "to desk one only" && !m.carbon`);
    const [rcopy] = await waitEvent("c2", "chat", `(m) => m.body === "to desk one only"`);
    assert.equal(rcopy.carbon, "received");
  });

  test(`${kind}: a reconnect in the middle of a conversation loses and duplicates nothing`, async () => {
    await agent("x1", "agent8", { viaProxy: true });
    await agent("x2", "agent1", { resource: "other" });
    const total = 40;
    const sending = (async () => {
      for (let n = 0; n < total; n++) {
        await call("x2", "sendMessage", jid("agent8"), `n=${n}`);
        await sleep(50);
      }
    })();
    await sleep(600);
    proxy.cut(1500);
    // Sent while the connection is down: reported once the server has it.
    const during = call("x1", "sendMessage", jid("agent1"), "sent during the cut");
    await sending;
    const res = await during;
    assert.equal(res.status, "sent", JSON.stringify(res));
    await waitEvent("x1", "chat", `(m) => m.body === "n=${total - 1}"`, 30000);
    const bodies = (await events("x1", "chat")).map((m) => m.body).filter((b) => b?.startsWith("n="));
    assert.deepEqual(bodies, Array.from({ length: total }, (_, n) => `n=${n}`), "each once, in order");
    const statuses = await page.evaluate(() => window.statuses.x1);
    assert.ok(statuses.includes("reconnecting"), statuses.join(","));
    const [d] = await waitEvent("x2", "chat", `(m) => m.body === "sent during the cut"`);
    assert.ok(d);
    assert.equal((await events("x2", "chat")).filter((m) => m.body === "sent during the cut").length, 1);
  });

  test(`${kind}: the buddy list: add with a name and groups, rename, regroup, remove`, async () => {
    await agent("e1", "agent3", { resource: "roster" });
    const who = jid("agent7");
    assert.deepEqual(await call("e1", "setBuddy", who, { name: "Seven", groups: ["Team", "Night"] }), {});
    await waitEvent("e1", "roster", `(r) => !r.full && r.items.some((i) => i.jid === ${JSON.stringify(who)} && i.name === "Seven" && i.groups.length === 2)`);
    assert.deepEqual(await call("e1", "setBuddy", who, { name: "Agent 7 <night>", groups: ["Day"] }), {});
    await waitEvent("e1", "roster", `(r) => r.items.some((i) => i.jid === ${JSON.stringify(who)} && i.name === "Agent 7 <night>" && i.groups.join() === "Day")`);
    const list = await call("e1", "roster");
    assert.deepEqual(list.find((i) => i.jid === who), { jid: who, name: "Agent 7 <night>", subscription: "none", groups: ["Day"] });
    assert.deepEqual(await call("e1", "removeBuddy", who), {});
    await waitEvent("e1", "roster", `(r) => r.items.some((i) => i.jid === ${JSON.stringify(who)} && i.subscription === "remove")`);
    assert.equal((await call("e1", "roster")).some((i) => i.jid === who), false);
  });

  test(`${kind}: what the parent may send is bounded: size, characters, rate`, async () => {
    await agent("l1", "agent4", { resource: "limits" });
    const big = await call("l1", "sendMessage", jid("agent5"), "x".repeat(16 * 1024 + 1));
    assert.deepEqual(big.error, "bad-request");
    assert.equal(big.detail.error.text, "body: longer than 16 KiB");
    const ctl = await call("l1", "sendMessage", jid("agent5"), "bell\u0007");
    assert.equal(ctl.error, "bad-request");
    const badJid = await call("l1", "setBuddy", "not a jid@@");
    assert.equal(badJid.error, "bad-request");
    // 60 chat states at once: a burst of 50 passes, the rest is refused.
    const results = await page.evaluate(async (to) => {
      const c = window.agents.l1;
      const all = await Promise.all(Array.from({ length: 60 }, () => c.sendChatState(to, "composing").then(() => "ok", (e) => e.condition)));
      return all;
    }, jid("agent5"));
    assert.ok(results.filter((r) => r === "resource-constraint").length >= 10, results.join(","));
    assert.ok(results.filter((r) => r === "ok").length <= 50, results.join(","));
  });

  // Last: it restarts the server under every agent.
  test(`${kind}: after a server restart (a new session, the gap notice) the roster comes again, the rooms are entered again, and messages the lost session missed come from the archives`, async () => {
    // A persistent room (its owner a plain XMPP client), which outlives the restart.
    const hall = `hall@conference.${stack.server.domain}`;
    const owner = await connectClient({ url: stack.server.wsUrl, domain: stack.server.domain, user: "owner", password: "owner-pw", resource: "h" });
    owner.send(xml`<presence to='${hall}/boss'><x xmlns='http://jabber.org/protocol/muc'/></presence>`);
    await sleep(300);
    await owner.iq(`<iq type='set' to='${hall}'><query xmlns='http://jabber.org/protocol/muc#owner'><x xmlns='jabber:x:data' type='submit'>
      <field var='FORM_TYPE'><value>http://jabber.org/protocol/muc#roomconfig</value></field>
      <field var='muc#roomconfig_persistentroom'><value>1</value></field></x></query></iq>`);
    await owner.close();
    await agent("z1", "agent2", { resource: "restart", viaProxy: true });
    await agent("z2", "agent3", { resource: "sender" });
    const nick = "Restarted";
    assert.deepEqual(await call("z1", "joinRoom", `lobby@conference.${stack.server.domain}`, nick), { room: `lobby@conference.${stack.server.domain}`, nick });
    assert.deepEqual(await call("z1", "joinRoom", hall, "z1"), { room: hall, nick: "z1" });
    assert.deepEqual(await call("z2", "joinRoom", hall, "z2"), { room: hall, nick: "z2" });
    await call("z2", "sendMessage", jid("agent2"), "before the fault");
    await waitEvent("z1", "chat", `(m) => m.body === "before the fault" && m.archiveId`);
    await call("z2", "sendMessage", hall, "hall before", { type: "groupchat" });
    await waitEvent("z1", "chat", `(m) => m.body === "hall before" && m.archiveId`);
    await page.evaluate(() => {
      window.events.z1.length = 0;
      window.gaps = 0;
      window.agents.z1.on("gap", () => window.gaps++);
    });
    // The desk's connection cut: the server queues these for its session
    // (and archives them); then the restart loses the session and queue.
    proxy.cut(4000);
    await sleep(300);
    for (const n of [1, 2]) assert.equal((await call("z2", "sendMessage", jid("agent2"), `missed ${n}`)).status, "sent");
    assert.equal((await call("z2", "sendMessage", hall, "hall missed", { type: "groupchat" })).status, "sent");
    await stack.server.restart();
    await page.waitForFunction(() => window.gaps === 1, null, { timeout: 30000 });
    await waitEvent("z1", "chat", `(m) => m.body === "missed 2"`, 30000);
    const missed = (await events("z1", "chat")).filter((m) => m.body?.startsWith("missed")).map((m) => m.body);
    assert.deepEqual(missed, ["missed 1", "missed 2"], "each once, in order");
    await waitEvent("z1", "chat", `(m) => m.type === "groupchat" && m.body === "hall missed"`, 30000);
    await sleep(500);
    const hallSeen = (await events("z1", "chat")).filter((m) => m.body?.startsWith("hall")).map((m) => m.body);
    assert.deepEqual(hallSeen, ["hall missed"], "what the room said meanwhile, once (and not what the desk had seen)");
    await waitEvent("z1", "roster", `(r) => r.full && r.items.some((i) => i.jid === ${JSON.stringify(jid("agent1"))})`, 30000);
    await waitEvent("z1", "occupant", `(o) => o.self && o.nick === ${JSON.stringify(nick)} && !o.left`, 30000);
    const again = await call("z1", "sendMessage", `lobby@conference.${stack.server.domain}`, "back in", { type: "groupchat" });
    assert.equal(again.status, "sent", JSON.stringify(again));
    await waitEvent("z1", "chat", `(m) => m.type === "groupchat" && m.body === "back in"`);
  });
}
