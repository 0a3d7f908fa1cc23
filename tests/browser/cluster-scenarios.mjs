// The failover scenarios on a 2-node ejabberd cluster, shared by
// tests/browser/cluster.test.mjs and `npm run failover` (which repeats them
// for medians): a cluster, a desk page, a tunnel listing both nodes, a
// publisher on the surviving node sending numbered events every 100 ms, a
// fault, and every event accounted for (once and in order, or inside a
// window the tunnel announced with the gap notice). For a failure's
// story: CLUSTER_TRACE=1 prints what the parent got after the fault, and
// CLUSTER_CONSOLE=FILE turns on the tunnel's console trace into FILE.
import assert from "node:assert/strict";
import { escapeXml } from "../support/xmpp-client.mjs";
import { startEjabberdCluster } from "../support/ejabberd-cluster.mjs";
import { startStaticServer } from "../support/static-server.mjs";
import { prepareTunnelDir } from "../support/tunnel-dir.mjs";
import { repoRoot, connectPublisher, USERS, received, waitMessage, until, sleep } from "./harness.mjs";
import fs from "node:fs";


const NODE = "/finesse/api/User/agent1";

/** A cluster, the desk's page server, and a tunnel that lists both nodes. */
export async function clusterStack() {
  const pages = await startStaticServer({ root: repoRoot, host: "127.0.0.1" });
  // Written before the nodes' ports are known: filled in below.
  const tunnelDir = prepareTunnelDir(undefined);
  const cluster = await startEjabberdCluster({ tunnelDir, users: USERS, admins: ["publisher"] });
  const [a, b] = cluster.nodes;
  fs.writeFileSync(`${tunnelDir}/config.json`, JSON.stringify({
    allowedOrigins: [pages.origin],
    websocket: [a.wsUrl + "/", b.wsUrl + "/"],
    bosh: [a.boshUrl + "/", b.boshUrl + "/"],
    reconnectBaseMs: 300, reconnectMaxMs: 2000,
  }));
  fs.chmodSync(`${tunnelDir}/config.json`, 0o644);
  return {
    a, b, pages,
    parentUrl: () => `${pages.origin}/tests/browser/pages/parent.html?tunnel=${encodeURIComponent(a.tunnelUrl)}`,
    async stop() {
      await cluster.stop();
      await pages.stop();
      fs.rmSync(tunnelDir, { recursive: true, force: true });
    },
  };
}

/** Numbered events (from `from` on) every 100 ms through `publisher`, until stopped. */
function numbered(publisher, server, from = 0) {
  const sent = []; // [seq, time]
  let running = true;
  const done = (async () => {
    for (let seq = from; running; seq++) {
      const u = `<Update><seq>${seq}</seq></Update>`;
      sent.push([seq, Date.now()]);
      await publisher.publish(server.pubsub, NODE, `<notification xmlns='http://jabber.org/protocol/pubsub'>${escapeXml(u)}</notification>`).catch(() => {});
      await sleep(100);
    }
  })();
  return { sent, stop: async () => { running = false; await done; } };
}

/**
 * Every event accounted for: delivered once, in order, or lost inside a
 * gap window (from the fault to the gap notice). Returns { lost, outside }.
 */
async function account(page, sent, faultAt) {
  const msgs = await page.evaluate(() => window.received.map((m) => ({ data: m.data, t: m.t })));
  const [lo, hi] = [sent[0][0], sent.at(-1)[0]];
  const seqs = msgs.filter((m) => m.data.startsWith("0|")).map((m) => Number(/<seq>(\d+)<\/seq>/.exec(m.data)[1]))
    .filter((n) => n >= lo && n <= hi);
  for (let i = 1; i < seqs.length; i++) assert.ok(seqs[i] > seqs[i - 1], `in order, once: ${seqs.join(",")}`);
  const gapAt = msgs.find((m) => m.data.startsWith("101|") && m.t >= faultAt)?.t;
  const got = new Set(seqs);
  // (The last few may still be on their way when publishing stopped.)
  const missing = sent.slice(0, -3).filter(([seq]) => !got.has(seq));
  const outside = missing.filter(([, t]) => gapAt === undefined || t < faultAt - 200 || t > gapAt);
  return { lost: missing.length, outside: outside.map(([s]) => s), gap: gapAt !== undefined };
}

/** Logs agent1 in (over `transport`, with type 15 `ping` if given) and subscribes NODE; the tunnel is on node a. */
async function loginOnA(s, page, transport, ping) {
  const first = transport === "bosh" ? ["12|bosh"] : [];
  if (process.env.CLUSTER_CONSOLE) first.push('16|{"enableConsoleTraceLogging":"true"}');
  if (ping) first.push(`15|${JSON.stringify(ping)}`);
  await page.evaluate((m) => window.send(...m), [...first, "3|desk", "1|agent1", `5|${s.a.domain}`, "2|agent1-pw", `6|${s.a.pubsub}`]);
  await waitMessage(page, "4|connected");
  const on = (await received(page)).find((m) => m.startsWith("13|connecting to "));
  assert.ok(on.includes(`:${s.a.httpPort}/`), on);
  await page.evaluate((n) => window.send(`7|${n}`), NODE);
  await waitMessage(page, `7|${NODE}`);
}

/** Time from the fault to the next `4|connected`, in ms (page clock = ours). */
async function connectedAfter(page, faultAt, timeout = 30000) {
  await until(page, (t) => window.received.some((m) => m.data === "4|connected" && m.t > t), faultAt, timeout);
  const t = await page.evaluate((f) => window.received.find((m) => m.data === "4|connected" && m.t > f).t, faultAt);
  return t - faultAt;
}

export async function scenario(browser, name, { transport = "websocket", fault, rejoin = false, ping }) {
  const s = await clusterStack();
  let publisher, context;
  try {
    publisher = await connectPublisher(s.b); // on the node that survives
    await publisher.createNode(s.b.pubsub, NODE);
    // (Closed at the end: a tunnel left running would keep retrying, and
    // log in to a later cluster that happens to reuse a port, taking its
    // resource.)
    context = await browser.newContext();
    const page = await context.newPage();
    if (process.env.CLUSTER_CONSOLE) page.on("console", (m) => fs.appendFileSync(process.env.CLUSTER_CONSOLE, `${Date.now()} ${m.text().slice(0, 300)}\n`));
    await page.goto(s.parentUrl());
    await waitMessage(page, "4|loaded");
    await loginOnA(s, page, transport, ping);
    const events = numbered(publisher, s.b);
    await sleep(800);
    const faultAt = Date.now();
    const undo = await fault(s.a);
    const ms = await connectedAfter(page, faultAt).catch(async (e) => {
      const msgs = await page.evaluate((f) => window.received.filter((m) => m.t >= f - 2000).map((m) => `${m.t - f} ${m.data.slice(0, 160)}`), faultAt);
      throw new Error(`${e.message}\n${name}: after the fault:\n  ${msgs.join("\n  ")}`);
    });
    if (process.env.CLUSTER_TRACE) {
      console.log((await page.evaluate((f) => window.received.filter((m) => m.t >= f && !m.data.startsWith("0|")).map((m) => `${m.t - f} ${m.data.slice(0, 160)}`), faultAt)).join("\n"));
    }
    const now = (await received(page)).filter((m) => m.startsWith("13|connecting to ")).at(-1);
    assert.ok(now.includes(`:${s.b.httpPort}/`), `${name}: on the surviving node: ${now}`);
    await sleep(1500);
    let back;
    if (rejoin) {
      // The node comes back and rejoins; then the other one goes, and the
      // tunnel returns to the first.
      await undo();
      await events.stop();
      await publisher.close().catch(() => {});
      publisher = await connectPublisher(s.a);
      const again = numbered(publisher, s.a, 100_000);
      await sleep(800);
      const secondAt = Date.now();
      await s.b.kill();
      back = await connectedAfter(page, secondAt);
      await sleep(1500);
      await again.stop();
      const r2 = await account(page, again.sent, secondAt);
      assert.deepEqual(r2.outside, [], `${name}, back to the rejoined node: lost outside a gap window`);
    } else {
      await events.stop();
      await undo?.();
    }
    await sleep(500);
    const r = await account(page, events.sent, faultAt);
    assert.deepEqual(r.outside, [], `${name}: lost outside a gap window`);
    console.log(`# cluster ${name}: fault → connected ${ms} ms${back === undefined ? "" : `, back after the rejoin ${back} ms`}; ` +
      `${events.sent.length} events, ${r.lost} lost inside the gap window${r.gap ? "" : " (no gap: resumed)"}`);
    return { ms, back, lost: r.lost };
  } finally {
    await context?.close();
    await publisher?.close().catch(() => {});
    await s.stop();
  }
}


/** Each scenario: its fault (and how to undo it), transport, type 15. */
export const SCENARIOS = {
  "kill -9": { fault: async (a) => { await a.kill(); return () => a.restart(); }, rejoin: true },
  "graceful stop": { fault: async (a) => { await a.stop(); } },
  "SIGSTOP": {
    ping: { xmppRequestTimeout: 1000, xmppFailoverDetectionPingInterval: 1000, xmppFailoverRequestMaxRetry: 1 },
    fault: async (a) => {
      process.kill(a.pid, "SIGSTOP");
      return async () => process.kill(a.pid, "SIGCONT");
    },
  },
  "BOSH kill -9": { transport: "bosh", fault: async (a) => { await a.kill(); } },
  "BOSH graceful stop": { transport: "bosh", fault: async (a) => { await a.stop(); } },
  "BOSH SIGSTOP": {
    transport: "bosh",
    ping: { xmppRequestTimeout: 1000, xmppFailoverDetectionPingInterval: 1000, xmppFailoverRequestMaxRetry: 1 },
    fault: async (a) => {
      process.kill(a.pid, "SIGSTOP");
      return async () => process.kill(a.pid, "SIGCONT");
    },
  },
};
