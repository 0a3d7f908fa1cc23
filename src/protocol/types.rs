//! Message type numbers (legacy Finesse 0–16, extensions from 100) and STATUS values.

/// Legacy message types; the numbers are Cisco's and must not change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u16)]
pub enum MsgType {
    Event = 0,
    Id = 1,
    Password = 2,
    ResourceId = 3,
    Status = 4,
    XmppDomain = 5,
    PubsubDomain = 6,
    Subscribe = 7,
    Unsubscribe = 8,
    Presence = 9,
    ConnectReq = 10,
    DisconnectReq = 11,
    NotificationConnectionType = 12,
    Logging = 13,
    SubscriptionsReq = 14,
    XmppDisconnectProperties = 15,
    FinesseContainerConfig = 16,
}

/// Extension 100 (T→P, sent right after `4|loaded`): which extensions this
/// tunnel speaks. Legacy parents ignore unknown types.
pub const EXT_HELLO: u16 = 100;

/// Extension 101 (T→P, right after a `4|connected` that follows a lost
/// connection which could not be resumed): events may have been missed, so
/// the parent should refresh its state (e.g. re-read it over REST).
pub const EXT_GAP: u16 = 101;

impl MsgType {
    pub fn from_u16(n: u16) -> Option<MsgType> {
        use MsgType::*;
        const ALL: [MsgType; 17] = [
            Event, Id, Password, ResourceId, Status, XmppDomain, PubsubDomain, Subscribe,
            Unsubscribe, Presence, ConnectReq, DisconnectReq, NotificationConnectionType,
            Logging, SubscriptionsReq, XmppDisconnectProperties, FinesseContainerConfig,
        ];
        ALL.get(n as usize).copied()
    }
}

/// STATUS (type 4) values, spec §3.2.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Loaded,
    Connecting,
    Connected,
    Disconnecting,
    Disconnected,
    Reconnecting,
    Unloading,
    Conflict,
    Unauthorized,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Loaded => "loaded",
            Status::Connecting => "connecting",
            Status::Connected => "connected",
            Status::Disconnecting => "disconnecting",
            Status::Disconnected => "disconnected",
            Status::Reconnecting => "reconnecting",
            Status::Unloading => "unloading",
            Status::Conflict => "conflict",
            Status::Unauthorized => "unauthorized",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_round_trip() {
        for n in 0..=16u16 {
            let t = MsgType::from_u16(n).map(|t| t as u16);
            assert_eq!(t, Some(n));
        }
        assert_eq!(MsgType::from_u16(17), None);
        assert_eq!(MsgType::from_u16(100), None);
    }
}
