// The demo's helpdesk, run over IM as the older IM gateways did: a bot
// account that people message for help. Each new question opens a ticket
// (SQLite, scripts/helpdesk-db.mjs); the bot offers it to an available
// agent (it sees the agents' presence: they are its buddies), in a chat
// thread `ticket-N`; in that thread the agent answers "accept", writes to
// the customer through the bot, and ends with "close". An offer not taken
// within `offerMs` goes to another agent. The bot's own presence shows the
// queue (free for chat: nobody waiting; away: some; do not disturb: five or
// more). It also keeps the online board: every agent's presence change,
// recorded in the same database.
import { connectClient, xml } from "../tests/support/xmpp-client.mjs";

const bare = (jid) => jid.split("/")[0];
const SHOW_RANK = { chat: 5, available: 4, away: 3, xa: 2, dnd: 1 };

/**
 * startHelpdesk({ server, user, password, agents: [bare JID], db, offerMs })
 * → { jid, stop() }
 */
export async function startHelpdesk({ server, user, password, agents, db, offerMs = 60_000 }) {
  const client = await connectClient({ url: server.wsUrl, domain: server.domain, user, password, resource: "bot" });
  const me = `${user}@${server.domain}`;
  const agentSet = new Set(agents);
  // Each agent's resources and their show ("available", "away", …).
  const presence = new Map();
  const best = (agent) => {
    const shows = [...(presence.get(agent)?.values() ?? [])];
    return shows.sort((a, b) => SHOW_RANK[b] - SHOW_RANK[a])[0] ?? "offline";
  };
  let nextAgent = 0;

  const say = (to, body, thread) => client.send(
    thread ? xml`<message type='chat' to='${to}'><thread>${thread}</thread><body>${body}</body></message>`
      : xml`<message type='chat' to='${to}'><body>${body}</body></message>`);
  let announced = "";
  const announce = () => {
    const c = db.counts();
    const waiting = (c.waiting ?? 0) + (c.offered ?? 0);
    const show = waiting === 0 ? "chat" : waiting < 5 ? "away" : "dnd";
    const p = xml`<presence><show>${show}</show><status>${waiting} waiting, ${c.open ?? 0} open</status></presence>`;
    // Only a change: every presence goes to every agent's desks.
    if (p !== announced) client.send((announced = p));
  };

  /** Offers every waiting ticket to an available agent, round robin. */
  function dispatch() {
    for (const t of db.tickets("waiting")) {
      const free = agents.filter((a) => ["available", "chat"].includes(best(a)));
      if (free.length === 0) break;
      const agent = free[nextAgent++ % free.length];
      db.offer(t.id, agent);
      say(agent, `Ticket #${t.id} from ${t.customer}: “${t.question}” — answer "accept" in this conversation to take it.`, `ticket-${t.id}`);
    }
    announce();
  }

  function fromCustomer(customer, body) {
    const active = db.activeTicketOf(customer);
    if (!active) {
      const id = db.openTicket(customer, body);
      say(customer, `Ticket #${id} opened. An agent will answer you here.`);
      return dispatch();
    }
    db.addMessage(active.id, customer, body);
    if (active.state === "open") say(active.agent, `${customer}: ${body}`, `ticket-${active.id}`);
  }

  function fromAgent(agent, thread, body) {
    const id = Number(/^ticket-(\d+)$/.exec(thread ?? "")?.[1]);
    const t = id ? db.ticket(id) : undefined;
    if (!t || t.agent !== agent || t.state === "closed") {
      return say(agent, "That is not one of your tickets. Answer in a ticket's own conversation.", thread);
    }
    const command = body.trim().toLowerCase();
    if (command === "accept" || command === "/accept") {
      if (t.state !== "offered") return say(agent, `Ticket #${id} is yours already.`, thread);
      db.accept(id);
      say(agent, `Ticket #${id} is yours. Write here to answer ${t.customer}; "close" ends it.`, thread);
      say(t.customer, `An agent (${agent}) has your ticket #${id}.`);
    } else if (command === "close" || command === "/close") {
      db.close(id);
      say(agent, `Ticket #${id} closed.`, thread);
      say(t.customer, `Ticket #${id} is closed. Thank you!`);
    } else if (t.state === "open") {
      db.addMessage(id, agent, body);
      say(t.customer, `Agent: ${body}`);
    } else {
      return say(agent, `Answer "accept" first to take ticket #${id}.`, thread);
    }
    announce();
  }

  client.onStanza((el) => {
    const from = el.attrs.from ?? "";
    if (el.getName() === "presence") {
      const who = bare(from);
      // Buddy requests: only agents may see the queue.
      if (el.attrs.type === "subscribe") {
        return client.send(xml`<presence to='${who}' type='${agentSet.has(who) ? "subscribed" : "unsubscribed"}'/>`);
      }
      if (!agentSet.has(who) || (el.attrs.type && el.attrs.type !== "unavailable")) return;
      const before = best(who);
      const resources = presence.get(who) ?? new Map();
      presence.set(who, resources);
      if (el.attrs.type === "unavailable") resources.delete(from);
      else resources.set(from, el.getChildText("show") || "available");
      const now = best(who);
      if (now !== before) db.logPresence(who, now, el.getChildText("status"));
      return dispatch();
    }
    if (el.getName() !== "message" || el.attrs.type === "error" || el.attrs.type === "groupchat") return;
    const body = el.getChildText("body");
    if (!body || bare(from) === me) return;
    const who = bare(from);
    if (agentSet.has(who)) fromAgent(who, el.getChildText("thread"), body);
    else fromCustomer(who, body);
  });

  // Offers nobody took in time go back to the queue.
  const expiry = setInterval(() => {
    const stale = db.tickets("offered").filter((t) => Date.now() - Date.parse(t.offered_at) > offerMs);
    for (const t of stale) {
      db.unoffer(t.id);
      say(t.agent, `Ticket #${t.id} went to another agent.`, `ticket-${t.id}`);
    }
    if (stale.length) dispatch();
  }, Math.min(offerMs, 5000));
  announce();
  return {
    jid: me,
    client,
    async stop() {
      clearInterval(expiry);
      await client.close().catch(() => {});
    },
  };
}

/**
 * A customer the demo plays: every `everyMs` without an open ticket, it
 * asks the helpdesk one of a few questions; it thanks the first answer.
 */
export async function startCustomer({ server, user, password, helpdesk, everyMs = 90_000 }) {
  const client = await connectClient({ url: server.wsUrl, domain: server.domain, user, password, resource: "web" });
  const questions = ["My headset has no sound.", "How do I reset my voicemail PIN?", "The call recording button is grey.", "Can I move my shift to Friday?"];
  let asked = 0;
  let waiting = false;
  client.onStanza((el) => {
    if (el.getName() !== "message" || bare(el.attrs.from ?? "") !== helpdesk) return;
    const body = el.getChildText("body") ?? "";
    if (body.startsWith("Agent: ") && waiting) {
      waiting = false;
      client.send(xml`<message type='chat' to='${helpdesk}'><body>Thanks, that helped!</body></message>`);
    }
    if (/is closed/.test(body)) waiting = false;
  });
  const ask = () => {
    if (waiting) return;
    waiting = true;
    client.send(xml`<message type='chat' to='${helpdesk}'><body>${questions[asked++ % questions.length]}</body></message>`);
  };
  const timer = everyMs > 0 ? setInterval(ask, everyMs) : null;
  if (everyMs > 0) setTimeout(ask, 3000);
  return {
    client,
    ask,
    async stop() {
      if (timer) clearInterval(timer);
      await client.close().catch(() => {});
    },
  };
}

/**
 * Makes `a` and `b` buddies both ways (each sees the other's presence), both
 * online as Node clients: a asks, b accepts and asks back, a accepts.
 */
export async function befriend(a, aJid, b, bJid) {
  const request = (client, from) => new Promise((resolve) => {
    const off = client.onStanza((el) => {
      if (el.getName() === "presence" && el.attrs.type === "subscribe" && bare(el.attrs.from ?? "") === from) {
        off();
        resolve();
      }
    });
  });
  const atB = request(b, aJid);
  a.send(xml`<presence to='${bJid}' type='subscribe'/>`);
  await atB;
  const atA = request(a, bJid);
  b.send(xml`<presence to='${aJid}' type='subscribed'/>`);
  b.send(xml`<presence to='${aJid}' type='subscribe'/>`);
  await atA;
  a.send(xml`<presence to='${bJid}' type='subscribed'/>`);
  // The last answer has reached the server when an iq sent after it returns.
  await a.iq(`<iq type='get'><query xmlns='jabber:iq:roster'/></iq>`);
}
