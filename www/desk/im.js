// The desk's instant messaging, through the tunnel's IM page: a buddy list
// with presence and buddy requests, one chat at a time (receipts and
// typing), the team room, and the helpdesk's tickets (the bot's chat
// threads `ticket-N`). Every text from the network is shown with
// textContent: data, never markup.

const $ = (id) => document.getElementById(id);
const bare = (jid) => jid.split("/")[0];
const el = (tag, text, cls) => {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  if (cls) e.className = cls;
  return e;
};
const SHOW_RANK = { chat: 5, available: 4, away: 3, xa: 2, dnd: 1, offline: 0 };

export function startIm(tunnel, demo, fail) {
  let me = "";
  let roster = new Map(); // bare JID → item
  const presence = new Map(); // bare JID → Map(full JID → {show, status})
  const requests = new Map(); // bare JID → status text
  const chats = new Map(); // bare JID → [{dir, body, messageId, state}]
  const typing = new Set();
  const tickets = new Map(); // number → {state, lines: [{who, body}]}
  const occupants = new Map(); // nick → show
  let peer = null;
  let lastComposing = 0;

  const showOf = (jid) => {
    const all = [...(presence.get(jid)?.values() ?? [])];
    return all.sort((a, b) => SHOW_RANK[b.show] - SHOW_RANK[a.show])[0] ?? { show: "offline" };
  };

  function renderBuddies() {
    $("buddies").replaceChildren(...[...roster.values()].map((item) => {
      const p = showOf(item.jid);
      const li = el("li", undefined, "buddy");
      li.dataset.jid = item.jid;
      li.append(el("span", "●", `dot ${p.show}`), el("span", item.name || item.jid, "name"));
      if (p.status) li.append(el("span", ` — ${p.status}`, "muted"));
      if (item.subscription !== "both") li.append(el("span", ` (${item.ask ? "asked" : item.subscription})`, "muted"));
      li.onclick = () => openChat(item.jid);
      return li;
    }));
    $("requests").replaceChildren(...[...requests].map(([jid, status]) => {
      const li = el("li", `${jid}${status ? ` — “${status}”` : ""} `);
      li.dataset.jid = jid;
      for (const [label, answer] of [["Accept", "accept"], ["Decline", "decline"], ["Later", "defer"]]) {
        const b = el("button", label);
        b.onclick = async () => {
          await tunnel.answerBuddy(jid, answer).catch(fail(`${answer} ${jid}`));
          requests.delete(jid);
          renderBuddies();
        };
        li.append(b);
      }
      return li;
    }));
    $("requests-box").hidden = requests.size === 0;
  }

  function renderChat() {
    $("chat-with").textContent = peer ? (roster.get(peer)?.name || peer) : "—";
    $("chat-form").hidden = !peer;
    $("typing").hidden = !peer || !typing.has(peer);
    $("chat-log").replaceChildren(...(chats.get(peer) ?? []).map((m) => {
      const li = el("li", m.body, m.dir);
      if (m.dir === "out") li.append(el("span", { pending: " …", sent: " ✓", delivered: " ✓✓", failed: " ✗" }[m.state], "tick"));
      return li;
    }));
    $("chat-log").scrollTop = $("chat-log").scrollHeight;
  }

  function openChat(jid) {
    peer = jid;
    renderChat();
    $("chat-input").focus();
  }

  function add(jid, m) {
    if (!chats.has(jid)) chats.set(jid, []);
    chats.get(jid).push(m);
  }

  function renderTickets() {
    $("tickets").replaceChildren(...[...tickets].sort((a, b) => b[0] - a[0]).map(([n, t]) => {
      const card = el("div", undefined, `ticket ${t.state}`);
      card.dataset.ticket = String(n);
      card.append(el("h3", `Ticket #${n} — ${t.state}`));
      const lines = el("ul");
      for (const l of t.lines) lines.append(el("li", l.body, l.who));
      card.append(lines);
      const send = (text) => tunnel.sendMessage(demo.helpdesk, text, { thread: `ticket-${n}` }).catch(fail(`ticket #${n}`));
      if (t.state === "offered") {
        const b = el("button", "Accept");
        b.className = "accept";
        b.onclick = () => send("accept");
        card.append(b);
      }
      if (t.state === "open") {
        const form = el("form");
        const input = el("input");
        input.placeholder = "Answer the customer…";
        form.append(input, el("button", "Send"));
        form.onsubmit = (e) => {
          e.preventDefault();
          if (!input.value.trim()) return;
          t.lines.push({ who: "out", body: input.value });
          send(input.value);
          input.value = "";
          renderTickets();
        };
        const close = el("button", "Close");
        close.type = "button";
        close.className = "close";
        close.onclick = () => send("close");
        card.append(form, close);
      }
      return card;
    }));
  }

  function ticketMessage(n, body) {
    const t = tickets.get(n) ?? { state: "offered", lines: [] };
    tickets.set(n, t);
    t.lines.push({ who: "in", body });
    if (/answer "accept"/.test(body)) t.state = "offered";
    else if (/is yours/.test(body)) t.state = "open";
    else if (/closed\.$/.test(body)) t.state = "closed";
    else if (/went to another agent/.test(body)) t.state = "gone";
    renderTickets();
  }

  function renderRoom() {
    $("occupants").replaceChildren(...[...occupants].map(([nick, show]) => el("li", nick, `occupant ${show}`)));
  }

  tunnel.on("roster", ({ items, full }) => {
    if (full) roster = new Map();
    for (const i of items) {
      if (i.subscription === "remove") roster.delete(i.jid);
      else roster.set(i.jid, i);
    }
    renderBuddies();
  });
  tunnel.on("buddy", (p) => {
    const jid = bare(p.from);
    if (!presence.has(jid)) presence.set(jid, new Map());
    if (p.show === "offline" || p.show === "error") presence.get(jid).delete(p.from);
    else presence.get(jid).set(p.from, { show: p.show, status: p.status });
    renderBuddies();
  });
  tunnel.on("buddyRequest", (r) => {
    requests.set(r.from, r.status ?? "");
    renderBuddies();
  });
  tunnel.on("subscription", (s) => {
    if (s.type === "unsubscribed") fail(`buddy request`)(new Error(`${s.from} declined`));
  });
  tunnel.on("receipt", (r) => {
    for (const list of chats.values()) for (const m of list) if (m.messageId === r.messageId) m.state = "delivered";
    renderChat();
  });
  tunnel.on("chat", (m) => {
    if (m.type === "groupchat") {
      if (m.body === undefined) return;
      const li = el("li");
      li.append(el("b", `${m.from.split("/").slice(1).join("/")}: `), m.body);
      $("room-log").append(li);
      $("room-log").scrollTop = $("room-log").scrollHeight;
      return;
    }
    const other = bare(m.carbon === "sent" ? m.to ?? "" : m.from);
    const ticket = /^ticket-(\d+)$/.exec(m.thread ?? "");
    if (other === demo.helpdesk && ticket && m.body !== undefined && m.carbon !== "sent") return ticketMessage(Number(ticket[1]), m.body);
    if (m.state && m.body === undefined) {
      if (m.state === "composing") typing.add(other); else typing.delete(other);
      return renderChat();
    }
    if (m.body === undefined || m.type === "error") return;
    typing.delete(other);
    add(other, { dir: m.carbon === "sent" ? "out" : "in", body: m.unknown ? `(not a buddy) ${m.body}` : m.body, state: "sent" });
    if (!peer) peer = other;
    renderChat();
  });
  tunnel.on("occupant", (o) => {
    if (o.room !== demo.room) return;
    if (o.left) occupants.delete(o.nick); else occupants.set(o.nick, o.show);
    renderRoom();
  });
  tunnel.on("gap", () => {
    // The tunnel fetches the roster again and re-enters the room: both are
    // redrawn from what it sends.
    occupants.clear();
    renderRoom();
  });

  $("chat-form").onsubmit = async (e) => {
    e.preventDefault();
    const body = $("chat-input").value;
    if (!peer || !body.trim()) return;
    $("chat-input").value = "";
    const m = { dir: "out", body, state: "pending" };
    add(peer, m);
    renderChat();
    try {
      const r = await tunnel.sendMessage(peer, body, { state: "active" });
      m.messageId = r.messageId;
      if (m.state === "pending") m.state = "sent";
    } catch (err) {
      m.state = "failed";
      fail("message")(err);
    }
    renderChat();
  };
  $("chat-input").oninput = () => {
    if (!peer || Date.now() - lastComposing < 3000) return;
    lastComposing = Date.now();
    tunnel.sendChatState(peer, "composing").catch(() => {});
  };
  $("room-form").onsubmit = async (e) => {
    e.preventDefault();
    const body = $("room-input").value;
    if (!body.trim()) return;
    $("room-input").value = "";
    await tunnel.sendMessage(demo.room, body, { type: "groupchat" }).catch(fail("room message"));
  };
  $("presence-form").onsubmit = async (e) => {
    e.preventDefault();
    await tunnel.setPresence($("show").value, { status: $("status-text").value || undefined }).catch(fail("presence"));
  };
  $("add-buddy").onsubmit = async (e) => {
    e.preventDefault();
    const jid = $("buddy-jid").value.trim();
    if (!jid) return;
    await tunnel.askBuddy(jid).catch(fail(`add ${jid}`));
    $("buddy-jid").value = "";
  };

  return {
    /** Signed in as `jid`: enter the team room. */
    async signedIn(jid) {
      me = jid;
      await tunnel.joinRoom(demo.room, jid.split("@")[0]).catch(fail("team room"));
    },
    /** Signed out or replaced: forget everything shown. */
    clear() {
      me = "";
      for (const m of [roster, presence, requests, chats, tickets, occupants]) m.clear();
      typing.clear();
      peer = null;
      $("room-log").replaceChildren();
      renderBuddies();
      renderChat();
      renderTickets();
      renderRoom();
    },
    get me() {
      return me;
    },
  };
}
