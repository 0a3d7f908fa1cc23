// The demo helpdesk's database: SQLite (sql.js, SQLite compiled to
// WebAssembly: no native build), written back to its file after every
// change. Tickets, their messages, and the online board's history of
// presence changes.
import fs from "node:fs";
import path from "node:path";
import initSqlJs from "sql.js";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS tickets (
  id INTEGER PRIMARY KEY,
  customer TEXT NOT NULL,
  question TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('waiting', 'offered', 'open', 'closed')),
  agent TEXT,
  offered_at TEXT,
  opened_at TEXT NOT NULL,
  closed_at TEXT
);
CREATE TABLE IF NOT EXISTS ticket_messages (
  ticket INTEGER NOT NULL REFERENCES tickets(id),
  sender TEXT NOT NULL,
  body TEXT NOT NULL,
  at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS presence_log (
  jid TEXT NOT NULL,
  show TEXT NOT NULL,
  status TEXT,
  at TEXT NOT NULL
);
`;

const now = () => new Date().toISOString();

/** Opens (or creates) the database at `file`. */
export async function openHelpdeskDb(file) {
  const SQL = await initSqlJs();
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const db = fs.existsSync(file) ? new SQL.Database(fs.readFileSync(file)) : new SQL.Database();
  db.run(SCHEMA);
  const save = () => fs.writeFileSync(file, Buffer.from(db.export()));
  const all = (sql, params = []) => {
    const st = db.prepare(sql);
    try {
      st.bind(params);
      const rows = [];
      while (st.step()) rows.push(st.getAsObject());
      return rows;
    } finally {
      st.free();
    }
  };
  const change = (sql, params) => {
    db.run(sql, params);
    save();
  };
  save();
  return {
    file,
    /** A new waiting ticket; its id. */
    openTicket(customer, question) {
      change("INSERT INTO tickets (customer, question, state, opened_at) VALUES (?, ?, 'waiting', ?)", [customer, question, now()]);
      const [{ id }] = all("SELECT last_insert_rowid() AS id");
      this.addMessage(id, customer, question);
      return id;
    },
    ticket: (id) => all("SELECT * FROM tickets WHERE id = ?", [id])[0],
    /** The customer's ticket that is not closed, if any. */
    activeTicketOf: (customer) => all("SELECT * FROM tickets WHERE customer = ? AND state != 'closed' ORDER BY id DESC LIMIT 1", [customer])[0],
    /** Tickets in `state`, oldest first. */
    tickets: (state) => all("SELECT * FROM tickets WHERE state = ? ORDER BY id", [state]),
    recentTickets: (n = 20) => all("SELECT * FROM tickets ORDER BY id DESC LIMIT ?", [n]),
    offer: (id, agent) => change("UPDATE tickets SET state = 'offered', agent = ?, offered_at = ? WHERE id = ?", [agent, now(), id]),
    unoffer: (id) => change("UPDATE tickets SET state = 'waiting', agent = NULL, offered_at = NULL WHERE id = ? AND state = 'offered'", [id]),
    accept: (id) => change("UPDATE tickets SET state = 'open' WHERE id = ?", [id]),
    close: (id) => change("UPDATE tickets SET state = 'closed', closed_at = ? WHERE id = ?", [now(), id]),
    addMessage: (id, sender, body) => change("INSERT INTO ticket_messages (ticket, sender, body, at) VALUES (?, ?, ?, ?)", [id, sender, body, now()]),
    messages: (id) => all("SELECT sender, body, at FROM ticket_messages WHERE ticket = ? ORDER BY rowid", [id]),
    counts: () => Object.fromEntries(all("SELECT state, COUNT(*) AS n FROM tickets GROUP BY state").map((r) => [r.state, r.n])),
    /** The online board: a presence change. */
    logPresence: (jid, show, status) => change("INSERT INTO presence_log (jid, show, status, at) VALUES (?, ?, ?, ?)", [jid, show, status ?? null, now()]),
    /** Each JID's latest presence. */
    online: () => all(`SELECT p.jid, p.show, p.status, p.at FROM presence_log p
      WHERE p.rowid = (SELECT MAX(rowid) FROM presence_log q WHERE q.jid = p.jid) ORDER BY p.jid`),
    presenceHistory: (n = 50) => all("SELECT jid, show, status, at FROM presence_log ORDER BY rowid DESC LIMIT ?", [n]),
    close_: () => db.close(),
  };
}
