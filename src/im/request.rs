//! Reading the parent's IM requests: JSON objects with an `id`, each field
//! checked (type, JID syntax, length, characters XML can carry) before
//! anything is built from it. A request that fails a check is answered
//! `bad-request` with the reason; one without a usable `id` cannot be
//! answered and gets a LOGGING line instead.

use super::types::*;
use crate::json::whole;
pub use crate::tunnel::settings::valid_jid;
use crate::tunnel::settings::valid_text;
use serde_json::{Map, Value};

/// The longest text the parent may send in one field (a message body, a
/// subject, a status or a reason), in bytes.
pub const MAX_TEXT: usize = 16 << 10;
/// The longest request id, in bytes.
const MAX_ID: usize = 64;
/// Groups per roster item and JIDs per block request.
const MAX_LIST: usize = 64;
/// The most archived messages one HISTORY request returns.
pub const MAX_HISTORY: u32 = 100;

pub type Obj = Map<String, Value>;

/// A request that cannot be carried out as sent, and why.
pub struct Bad(pub String);

fn bad(key: &str, why: &str) -> Bad {
    Bad([key, ": ", why].concat())
}

/// What the parent asks.
pub enum Body<'a> {
    Send(Send<'a>),
    ChatState { to: &'a str, state: &'a str, thread: Option<&'a str>, groupchat: bool },
    History { with: Option<&'a str>, room: Option<&'a str>, max: u32, before: Option<&'a str>, after: Option<&'a str> },
    Roster,
    RosterSet { jid: &'a str, name: Option<&'a str>, groups: Vec<&'a str> },
    RosterRemove { jid: &'a str },
    Presence { show: &'a str, status: Option<&'a str>, priority: Option<i8> },
    Answer { jid: &'a str, answer: &'a str },
    Ask { jid: &'a str, name: Option<&'a str>, groups: Vec<&'a str>, status: Option<&'a str> },
    Block { jids: Vec<&'a str> },
    Unblock { jids: Vec<&'a str> },
    Blocklist,
    Join { room: &'a str, nick: &'a str, password: Option<&'a str>, history: Option<u32> },
    Leave { room: &'a str, status: Option<&'a str> },
    Invite { room: &'a str, jid: &'a str, reason: Option<&'a str> },
    Decline { room: &'a str, jid: &'a str, reason: Option<&'a str> },
}

pub struct Send<'a> {
    pub to: &'a str,
    pub body: Option<&'a str>,
    pub subject: Option<&'a str>,
    pub groupchat: bool,
    pub thread: Option<&'a str>,
    pub state: Option<&'a str>,
    pub receipt: bool,
    pub message_id: Option<&'a str>,
}

/// The request id, if the payload has a usable one.
pub fn id(m: &Obj) -> Option<&str> {
    m.get("id").and_then(Value::as_str).filter(|s| s.len() <= MAX_ID && valid_text(s))
}

/// Whether `ty` is an IM request type.
pub fn is_request(ty: u16) -> bool {
    matches!(ty, SEND | CHAT_STATE | HISTORY | ROSTER | ROSTER_SET | ROSTER_REMOVE | PRESENCE_SET
        | ANSWER_BUDDY | ASK_BUDDY | BLOCK | UNBLOCK | BLOCKLIST | JOIN | LEAVE | INVITE | DECLINE)
}

/// The request of type `ty` (one of `is_request`) in `m`.
pub fn body(ty: u16, m: &Obj) -> Result<Body<'_>, Bad> {
    Ok(match ty {
        SEND => {
            let groupchat = kind(m)?;
            let body = text(m, "body")?;
            let subject = text(m, "subject")?;
            let state = opt_state(m)?;
            if body.is_none() && subject.is_none() && state.is_none() {
                return Err(Bad("a message needs a body, a subject or a state".into()));
            }
            Body::Send(Send {
                to: jid(m, "to", true)?,
                body,
                subject,
                groupchat,
                thread: short(m, "thread")?,
                state,
                receipt: flag(m, "receipt")?.unwrap_or(!groupchat),
                message_id: short(m, "messageId")?,
            })
        }
        CHAT_STATE => Body::ChatState {
            to: jid(m, "to", true)?,
            state: opt_state(m)?.ok_or_else(|| bad("state", "missing"))?,
            thread: short(m, "thread")?,
            groupchat: kind(m)?,
        },
        HISTORY => {
            let max = match m.get("max") {
                None | Some(Value::Null) => 50,
                Some(v) => whole(v).filter(|n| (1..=MAX_HISTORY).contains(n)).ok_or_else(|| bad("max", "a whole number from 1 to 100"))?,
            };
            Body::History {
                with: opt_jid(m, "with", false)?,
                room: opt_jid(m, "room", false)?,
                max,
                before: short_or_empty(m, "before")?,
                after: short(m, "after")?,
            }
        }
        ROSTER => Body::Roster,
        ROSTER_SET => Body::RosterSet { jid: jid(m, "jid", false)?, name: short_or_empty(m, "name")?, groups: list(m, "groups", false)? },
        ROSTER_REMOVE => Body::RosterRemove { jid: jid(m, "jid", false)? },
        PRESENCE_SET => {
            let show = short(m, "show")?.unwrap_or("available");
            if !matches!(show, "available" | "away" | "xa" | "dnd" | "chat" | "offline") {
                return Err(bad("show", "one of available, away, xa, dnd, chat, offline"));
            }
            let priority = match m.get("priority") {
                None | Some(Value::Null) => None,
                Some(v) => Some(v.as_i64().and_then(|p| i8::try_from(p).ok()).ok_or_else(|| bad("priority", "a whole number from -128 to 127"))?),
            };
            Body::Presence { show, status: text(m, "status")?, priority }
        }
        ANSWER_BUDDY => {
            let answer = short(m, "answer")?.unwrap_or("");
            if !matches!(answer, "accept" | "decline" | "defer") {
                return Err(bad("answer", "one of accept, decline, defer"));
            }
            Body::Answer { jid: jid(m, "jid", false)?, answer }
        }
        ASK_BUDDY => Body::Ask {
            jid: jid(m, "jid", false)?,
            name: short(m, "name")?,
            groups: list(m, "groups", false)?,
            status: text(m, "status")?,
        },
        BLOCK => {
            let jids = list(m, "jids", true)?;
            if jids.is_empty() {
                return Err(bad("jids", "at least one JID"));
            }
            Body::Block { jids }
        }
        UNBLOCK => Body::Unblock { jids: list(m, "jids", true)? },
        BLOCKLIST => Body::Blocklist,
        JOIN => Body::Join {
            room: jid(m, "room", false)?,
            nick: short(m, "nick")?.ok_or_else(|| bad("nick", "missing"))?,
            password: short(m, "password")?,
            history: match m.get("history") {
                None | Some(Value::Null) => None,
                Some(v) => Some(whole(v).filter(|n| *n <= 1000).ok_or_else(|| bad("history", "a whole number up to 1000"))?),
            },
        },
        LEAVE => Body::Leave { room: jid(m, "room", false)?, status: text(m, "status")? },
        INVITE => Body::Invite { room: jid(m, "room", false)?, jid: jid(m, "jid", false)?, reason: text(m, "reason")? },
        _ => Body::Decline { room: jid(m, "room", false)?, jid: jid(m, "jid", false)?, reason: text(m, "reason")? },
    })
}

/// A string field, or None when absent or null.
fn string<'a>(m: &'a Obj, key: &str) -> Result<Option<&'a str>, Bad> {
    match m.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(bad(key, "must be a string")),
    }
}

/// Free text (a body, a status): up to `MAX_TEXT` bytes of characters XML
/// can carry (tab and line breaks, no other control characters).
fn text<'a>(m: &'a Obj, key: &str) -> Result<Option<&'a str>, Bad> {
    let Some(s) = string(m, key)? else { return Ok(None) };
    if s.len() > MAX_TEXT {
        return Err(bad(key, "longer than 16 KiB"));
    }
    if !s.chars().all(|c| !c.is_control() || matches!(c, '\t' | '\n' | '\r') || ('\u{80}'..='\u{9f}').contains(&c)) || s.contains(['\u{FFFE}', '\u{FFFF}']) {
        return Err(bad(key, "holds characters XML cannot carry"));
    }
    Ok(Some(s))
}

/// A name, nick, thread or id: one line of up to 1023 bytes, not empty.
fn short<'a>(m: &'a Obj, key: &str) -> Result<Option<&'a str>, Bad> {
    match string(m, key)? {
        Some(s) if !valid_text(s) => Err(bad(key, "must be 1 to 1023 bytes without control characters")),
        s => Ok(s),
    }
}

/// As `short`, but "" is allowed (an empty name clears it; `before: ""`
/// asks for the last page).
fn short_or_empty<'a>(m: &'a Obj, key: &str) -> Result<Option<&'a str>, Bad> {
    match string(m, key)? {
        Some("") => Ok(Some("")),
        _ => short(m, key),
    }
}

fn flag(m: &Obj, key: &str) -> Result<Option<bool>, Bad> {
    match m.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(_) => Err(bad(key, "must be true or false")),
    }
}

/// `type`: "chat" (the default) or "groupchat"; true for groupchat.
fn kind(m: &Obj) -> Result<bool, Bad> {
    match string(m, "type")? {
        None | Some("chat") => Ok(false),
        Some("groupchat") => Ok(true),
        Some(_) => Err(bad("type", "chat or groupchat")),
    }
}

fn opt_state(m: &Obj) -> Result<Option<&str>, Bad> {
    match string(m, "state")? {
        Some(s) if !super::stanzas::CHAT_STATES.contains(&s) => Err(bad("state", "one of active, composing, paused, inactive, gone")),
        s => Ok(s),
    }
}

fn jid<'a>(m: &'a Obj, key: &str, resource: bool) -> Result<&'a str, Bad> {
    opt_jid(m, key, resource)?.ok_or_else(|| bad(key, "missing"))
}

fn opt_jid<'a>(m: &'a Obj, key: &str, resource: bool) -> Result<Option<&'a str>, Bad> {
    match string(m, key)? {
        Some(s) if !valid_jid(s, resource) => {
            Err(bad(key, if resource { "not a JID" } else { "not a bare JID (user@domain or domain)" }))
        }
        s => Ok(s),
    }
}


/// A list of short strings (or of bare JIDs).
fn list<'a>(m: &'a Obj, key: &str, jids: bool) -> Result<Vec<&'a str>, Bad> {
    let items = match m.get(key) {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(a)) if a.len() <= MAX_LIST => a,
        Some(_) => return Err(bad(key, "must be a list of at most 64 strings")),
    };
    let mut out = Vec::with_capacity(items.len());
    for v in items {
        match v.as_str() {
            Some(s) if (jids && valid_jid(s, false)) || (!jids && valid_text(s)) => out.push(s),
            _ => return Err(bad(key, if jids { "every entry must be a bare JID" } else { "every entry must be a short string" })),
        }
    }
    Ok(out)
}
