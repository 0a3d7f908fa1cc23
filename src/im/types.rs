//! The extension channel's IM message types (docs/protocol.md, "Instant
//! messaging"). Requests (P→T) are answered on their own type with the
//! request's `id`; events (T→P) carry no `id`.

/// Requests, each answered once on the same type.
pub const SEND: u16 = 110;
pub const CHAT_STATE: u16 = 111;
pub const HISTORY: u16 = 114;
pub const ROSTER: u16 = 120;
pub const ROSTER_SET: u16 = 121;
pub const ROSTER_REMOVE: u16 = 122;
pub const PRESENCE_SET: u16 = 130;
pub const ANSWER_BUDDY: u16 = 133;
pub const ASK_BUDDY: u16 = 134;
pub const BLOCK: u16 = 140;
pub const UNBLOCK: u16 = 141;
pub const BLOCKLIST: u16 = 142;
pub const JOIN: u16 = 150;
pub const LEAVE: u16 = 151;
pub const INVITE: u16 = 153;
pub const DECLINE: u16 = 155;

/// Events.
pub const MESSAGE: u16 = 112;
pub const RECEIPT: u16 = 113;
pub const ROSTER_CHANGED: u16 = 123;
pub const PRESENCE: u16 = 131;
pub const BUDDY_REQUEST: u16 = 132;
pub const SUBSCRIPTION: u16 = 135;
pub const BLOCKLIST_CHANGED: u16 = 143;
pub const OCCUPANT: u16 = 152;
pub const INVITATION: u16 = 154;
pub const DECLINED: u16 = 156;
