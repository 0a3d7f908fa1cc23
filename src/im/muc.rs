//! Group chat (XEP-0045): joining, leaving, occupants, and rejoining every
//! room after a new session.

use super::events;
use super::stanzas;
use super::types::*;
use super::{take_where, Im};
use crate::tunnel::Millis;
use crate::xml::Element;
use crate::xmpp::{jid, ns};
use serde::Serialize;

/// Rooms one tunnel may be in (or be entering) at once.
const MAX_ROOMS: usize = 64;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// The parent asked to join: waiting for our own presence from the room.
    Joining,
    /// Re-entering after a new session (nobody waits for a reply).
    Rejoining,
    Joined,
    Leaving,
}

pub struct Room {
    /// Bare JID, as the parent wrote it.
    pub jid: String,
    pub nick: String,
    password: Option<String>,
    pub state: State,
    /// The room archive's id of the last room message relayed: where a
    /// rejoin's catch-up starts.
    pub last_id: Option<String>,
    /// The parent's request waiting for the outcome.
    req: Option<String>,
    pub deadline: Option<Millis>,
}

#[derive(Serialize)]
struct Joined<'a> {
    id: &'a str,
    room: &'a str,
    nick: &'a str,
}

impl Im {
    /// The room `j` (bare or `room/nick`) is one we are in or entering.
    pub(super) fn room(&self, j: &str) -> Option<usize> {
        self.rooms.iter().position(|r| jid::same_bare(&r.jid, j))
    }

    /// A room we are in, where messages may be sent.
    pub(super) fn joined(&self, j: &str) -> Option<usize> {
        self.room(j).filter(|&i| matches!(self.rooms[i].state, State::Joined | State::Rejoining))
    }

    pub(super) fn join(&mut self, now: Millis, id: &str, room: &str, nick: &str, password: Option<&str>, history: Option<u32>) {
        if let Some(i) = self.room(room) {
            let r = &self.rooms[i];
            if r.state == State::Joined && r.nick == nick {
                let (room, nick) = (r.jid.clone(), r.nick.clone());
                return self.post(JOIN, &Joined { id, room: &room, nick: &nick });
            }
            return self.fail(JOIN, id, "conflict", "already in (or entering or leaving) that room");
        }
        if self.rooms.len() >= MAX_ROOMS {
            return self.fail(JOIN, id, "resource-constraint", "in 64 rooms already");
        }
        self.send(stanzas::join(room, nick, password, history));
        self.rooms.push(Room {
            jid: room.to_string(),
            nick: nick.to_string(),
            password: password.map(str::to_string),
            state: State::Joining,
            last_id: None,
            req: Some(id.to_string()),
            deadline: Some(now + self.timeout_ms),
        });
    }

    pub(super) fn leave(&mut self, now: Millis, id: &str, room: &str, status: Option<&str>) {
        let Some(i) = self.joined(room) else {
            return self.fail(LEAVE, id, "item-not-found", "not in that room");
        };
        let r = &mut self.rooms[i];
        r.state = State::Leaving;
        r.req = Some(id.to_string());
        r.deadline = Some(now + self.timeout_ms);
        let s = stanzas::leave(&r.jid, &r.nick, status);
        self.send(s);
    }

    /// After a new session: enter again every room we were in, without
    /// history (what was said meanwhile is covered by the gap notice).
    pub fn rejoin(&mut self) {
        for i in 0..self.rooms.len() {
            let r = &mut self.rooms[i];
            if matches!(r.state, State::Joined | State::Rejoining) {
                r.state = State::Rejoining;
                let s = stanzas::join(&r.jid, &r.nick, r.password.as_deref(), Some(0));
                self.send(s);
            }
        }
    }

    /// The session ended: entering fails, leaving succeeds (the server
    /// took us out with it); the rest are rejoined next session.
    pub(super) fn rooms_gone(&mut self) {
        for r in std::mem::take(&mut self.rooms) {
            match (r.state, r.req) {
                (State::Joining, Some(req)) => self.fail(JOIN, &req, "not-connected", "the connection was lost while entering the room"),
                (State::Leaving, Some(req)) => self.ok(LEAVE, &req),
                (State::Joined | State::Rejoining, _) => self.rooms.push(Room { state: State::Joined, req: None, deadline: None, ..r }),
                _ => {}
            }
        }
    }

    pub(super) fn rooms_timeout(&mut self, now: Millis) {
        for r in take_where(&mut self.rooms, |r| r.deadline.is_some_and(|d| d <= now)) {
            match (r.state, r.req) {
                (State::Leaving, Some(req)) => self.ok(LEAVE, &req),
                (_, Some(req)) => {
                    // Should the room answer after all, we are not in it.
                    self.send(stanzas::leave(&r.jid, &r.nick, None));
                    self.fail(JOIN, &req, "remote-server-timeout", "the room did not answer in time");
                }
                _ => {}
            }
        }
    }

    /// A presence from a room: an occupant, or our own (XEP-0045 §7.2.3
    /// status 110), which settles a join or a leave.
    pub(super) fn occupant(&mut self, now: Millis, from: &str, el: Element<'_>) {
        let Some(i) = self.room(from) else { return };
        let kind = el.attr("type");
        if kind == Some("error") {
            let (condition, text) = events::server_error(el);
            let r = &self.rooms[i];
            if r.state == State::Joining {
                let req = r.req.clone().unwrap_or_default();
                self.rooms.remove(i);
                return self.fail(JOIN, &req, &condition, &text);
            }
            return self.log(&["a room refused our presence: ", &condition].concat());
        }
        let Some(nick) = jid::resource(from) else { return };
        let x = el.child("x", ns::MUC_USER);
        let item = x.and_then(|x| x.child("item", ns::MUC_USER));
        let codes: Vec<u16> = x
            .map(|x| x.elements().filter(|s| s.is("status", ns::MUC_USER)).filter_map(|s| s.attr("code")?.parse().ok()).collect())
            .unwrap_or_default();
        let me = codes.contains(&110) || nick == self.rooms[i].nick;
        let left = kind == Some("unavailable");
        let ev = events::Occupant {
            room: &self.rooms[i].jid.clone(),
            nick,
            jid: item.and_then(|it| it.attr("jid")),
            role: item.and_then(|it| it.attr("role")).unwrap_or("none"),
            affiliation: item.and_then(|it| it.attr("affiliation")).unwrap_or("none"),
            show: events::show(el),
            status: events::status(el),
            me,
            left,
            new_nick: item.and_then(|it| it.attr("nick")).filter(|_| codes.contains(&303)),
            codes: codes.clone(),
        };
        self.post(OCCUPANT, &ev);
        if !me {
            return;
        }
        let r = &mut self.rooms[i];
        match (left, codes.contains(&303)) {
            (true, true) => {
                // Our nick changed (§7.6): we are still in.
                if let Some(n) = item.and_then(|it| it.attr("nick")) {
                    r.nick = n.to_string();
                }
            }
            (true, false) => {
                // Left as asked, or removed (kicked, banned, room destroyed).
                let r = self.rooms.remove(i);
                if let (State::Leaving, Some(req)) = (r.state, r.req) {
                    self.ok(LEAVE, &req);
                }
            }
            (false, _) if matches!(r.state, State::Joining | State::Rejoining) => self.entered(now, i, nick, codes.contains(&201)),
            (false, _) => {}
        }
    }

    /// Our own presence from room `i`, which we were entering: we are in,
    /// under the nick the room gave.
    fn entered(&mut self, now: Millis, i: usize, nick: &str, created: bool) {
        let r = &mut self.rooms[i];
        let rejoined = r.state == State::Rejoining;
        r.state = State::Joined;
        r.nick = nick.to_string();
        r.deadline = None;
        let (room, req, after) = (r.jid.clone(), r.req.take(), r.last_id.clone());
        if created {
            // We created it: open it (an instant room).
            let id = self.new_id();
            self.send(stanzas::instant_room(&id, &room));
        }
        if let (true, Some(after)) = (rejoined, after) {
            // Back in after a new session: what was said meanwhile.
            self.catch_up(now, Some(&room), &after);
        }
        if let Some(req) = req {
            self.post(JOIN, &Joined { id: &req, room: &room, nick });
        }
    }
}
