// The online board: who is online now and the history of status changes,
// as the helpdesk bot recorded them in its SQLite database (board.json),
// with the helpdesk's tickets. Refreshed every two seconds.
const $ = (id) => document.getElementById(id);
const time = (iso) => new Date(iso).toLocaleTimeString();

function rows(table, list, cells) {
  $(table).tBodies[0].replaceChildren(...list.map((r) => {
    const tr = document.createElement("tr");
    for (const c of cells(r)) {
      const td = document.createElement("td");
      td.textContent = c ?? "";
      tr.append(td);
    }
    return tr;
  }));
}

async function refresh() {
  try {
    const b = await (await fetch("board.json", { cache: "no-store" })).json();
    rows("online", b.online, (r) => [r.jid, r.status ? `${r.show} — ${r.status}` : r.show, time(r.at)]);
    rows("history", b.history, (r) => [time(r.at), r.jid, r.status ? `${r.show} — ${r.status}` : r.show]);
    rows("tickets", b.tickets, (t) => [t.id, t.customer, t.question, t.state, t.agent]);
    $("counts").textContent = Object.entries(b.counts).map(([k, n]) => `${n} ${k}`).join(" · ");
  } catch {
    $("counts").textContent = "(demo server not answering)";
  }
}
refresh();
setInterval(refresh, 2000);
