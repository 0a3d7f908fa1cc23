//! Parsing what the parent sends (P→T). Every malformed input becomes a
//! `ProtocolError` the tunnel reports in a LOGGING line; nothing panics.

use super::types::MsgType;
use crate::xml;
use crate::json::{object, whole};
use serde_json::Value;

/// A parent message, borrowed from the raw string where possible.
#[derive(Debug, Clone, PartialEq)]
pub enum ParentMessage<'a> {
    Id(&'a str),
    Password(&'a str),
    ResourceId(&'a str),
    XmppDomain(&'a str),
    PubsubDomain(&'a str),
    Subscribe(&'a str),
    Unsubscribe(&'a str),
    ConnectReq(ConnInfo),
    DisconnectReq,
    ConnectionType(Transport),
    SubscriptionsReq,
    DisconnectProperties(PingSettings),
    ContainerConfig { trace: bool },
    /// Types from 100 up: the extension channel (spec §4.3).
    Extension { ty: u16, payload: &'a str },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    WebSocket,
    Bosh,
}

impl Transport {
    pub fn parse(s: &str) -> Option<Transport> {
        if s.eq_ignore_ascii_case("websocket") {
            Some(Transport::WebSocket)
        } else if s.eq_ignore_ascii_case("bosh") {
            Some(Transport::Bosh)
        } else {
            None
        }
    }
}

/// Type 10: all credentials in one message (8.5-era parents).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnInfo {
    pub id: String,
    pub password: String,
    pub domain: String,
    pub transport: Option<Transport>,
}

/// Type 15: failover-detection timings. Absent keys keep their current value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PingSettings {
    pub request_timeout_ms: Option<u32>,
    pub ping_interval_ms: Option<u32>,
    pub max_retry: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProtocolError {
    /// No `|` at all.
    NoSeparator,
    /// The text before the first `|` is not a decimal number.
    BadType,
    /// A number that is neither legacy (0–16) nor extension (100+).
    UnknownType(u16),
    /// A type only the tunnel sends (EVENT, STATUS, PRESENCE, LOGGING).
    WrongDirection(MsgType),
    TooLarge { len: usize, max: usize },
    BadPayload { ty: u16, why: &'static str },
}

impl ProtocolError {
    /// One-line description for the LOGGING channel.
    pub fn describe(&self) -> String {
        match self {
            ProtocolError::NoSeparator => "ignored a parent message without '|'".into(),
            ProtocolError::BadType => "ignored a parent message whose type is not a number".into(),
            ProtocolError::UnknownType(t) => format!("ignored a parent message of unknown type {t}"),
            ProtocolError::WrongDirection(t) => format!("ignored type {}, which only the tunnel sends", *t as u16),
            ProtocolError::TooLarge { len, max } => format!("ignored a parent message of {len} bytes (limit {max})"),
            ProtocolError::BadPayload { ty, why } => format!("ignored type {ty}: {why}"),
        }
    }
}

/// Parses one parent message. The type is the decimal number before the
/// **first** `|`; the payload is everything after it (it may contain `|`).
pub fn parse(data: &str, max_len: usize) -> Result<ParentMessage<'_>, ProtocolError> {
    if data.len() > max_len {
        return Err(ProtocolError::TooLarge { len: data.len(), max: max_len });
    }
    let (num, payload) = data.split_once('|').ok_or(ProtocolError::NoSeparator)?;
    if num.is_empty() || num.len() > 5 || !num.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ProtocolError::BadType);
    }
    let n: u16 = num.parse().map_err(|_| ProtocolError::BadType)?;
    if n >= 100 {
        return Ok(ParentMessage::Extension { ty: n, payload });
    }
    let t = MsgType::from_u16(n).ok_or(ProtocolError::UnknownType(n))?;
    let bad = |why| ProtocolError::BadPayload { ty: n, why };
    Ok(match t {
        MsgType::Id => ParentMessage::Id(payload),
        MsgType::Password => ParentMessage::Password(payload),
        MsgType::ResourceId => ParentMessage::ResourceId(payload),
        MsgType::XmppDomain => ParentMessage::XmppDomain(payload),
        MsgType::PubsubDomain => ParentMessage::PubsubDomain(payload),
        MsgType::Subscribe => ParentMessage::Subscribe(payload),
        MsgType::Unsubscribe => ParentMessage::Unsubscribe(payload),
        MsgType::ConnectReq => ParentMessage::ConnectReq(conn_info(payload).ok_or(bad(
            "expected <connInfo> with <id>, <password> and <xmppDomain>",
        ))?),
        MsgType::DisconnectReq => ParentMessage::DisconnectReq,
        MsgType::NotificationConnectionType => ParentMessage::ConnectionType(
            Transport::parse(payload.trim_ascii()).ok_or(bad("expected 'websocket' or 'bosh'"))?,
        ),
        MsgType::SubscriptionsReq => ParentMessage::SubscriptionsReq,
        MsgType::XmppDisconnectProperties => {
            ParentMessage::DisconnectProperties(ping_settings(payload).map_err(bad)?)
        }
        MsgType::FinesseContainerConfig => ParentMessage::ContainerConfig {
            trace: container_trace(payload).map_err(bad)?,
        },
        MsgType::Event | MsgType::Status | MsgType::Presence | MsgType::Logging => {
            return Err(ProtocolError::WrongDirection(t))
        }
    })
}

fn conn_info(payload: &str) -> Option<ConnInfo> {
    let doc = xml::parse(payload, &xml::Limits::PARENT).ok()?;
    let el = doc.root();
    if el.name() != "connInfo" {
        return None;
    }
    let text = |name: &str| el.child_any_ns(name).map(|c| c.text().to_string());
    let transport = match text("notificationConnectionType") {
        Some(t) if !t.trim_ascii().is_empty() => Some(Transport::parse(t.trim_ascii())?),
        _ => None,
    };
    Some(ConnInfo {
        id: text("id")?,
        password: text("password")?,
        domain: text("xmppDomain")?,
        transport,
    })
}

/// Type 15: values may be JSON numbers or numeric strings (Finesse sends
/// both); absent or null keys keep their current value, and other keys are
/// ignored (Finesse's containers send more than these).
fn ping_settings(payload: &str) -> Result<PingSettings, &'static str> {
    let m = object(payload)?;
    let num = |key: &str| -> Result<Option<u32>, &'static str> {
        let n = match m.get(key) {
            None | Some(Value::Null) => return Ok(None),
            Some(v @ Value::Number(_)) => whole(v),
            Some(Value::String(s)) => s.trim().parse().ok(),
            Some(_) => return Err("values must be numbers or numeric strings"),
        };
        n.map(Some).ok_or("values must be whole numbers from 0 to 4294967295")
    };
    Ok(PingSettings {
        request_timeout_ms: num("xmppRequestTimeout")?,
        ping_interval_ms: num("xmppFailoverDetectionPingInterval")?,
        max_retry: num("xmppFailoverRequestMaxRetry")?,
    })
}

/// Type 16: `enableConsoleTraceLogging` as the strings Finesse sends, or
/// as a JSON boolean; absent means off.
fn container_trace(payload: &str) -> Result<bool, &'static str> {
    match object(payload)?.get("enableConsoleTraceLogging") {
        None => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(Value::String(s)) if s == "true" => Ok(true),
        Some(Value::String(s)) if s == "false" => Ok(false),
        Some(_) => Err("enableConsoleTraceLogging must be \"true\" or \"false\""),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    const MAX: usize = 65536;

    fn p(s: &str) -> Result<ParentMessage<'_>, ProtocolError> {
        parse(s, MAX)
    }

    #[test]
    fn every_parent_type() {
        assert_eq!(p("1|1001001"), Ok(ParentMessage::Id("1001001")));
        assert_eq!(p("2|pa|ss"), Ok(ParentMessage::Password("pa|ss")));
        assert_eq!(p("3|desk"), Ok(ParentMessage::ResourceId("desk")));
        assert_eq!(p("5|example.com"), Ok(ParentMessage::XmppDomain("example.com")));
        assert_eq!(p("6|pubsub.example.com"), Ok(ParentMessage::PubsubDomain("pubsub.example.com")));
        assert_eq!(p("7|/a|b"), Ok(ParentMessage::Subscribe("/a|b")));
        assert_eq!(p("8|/a"), Ok(ParentMessage::Unsubscribe("/a")));
        assert_eq!(p("11|"), Ok(ParentMessage::DisconnectReq));
        assert_eq!(p("11|whatever"), Ok(ParentMessage::DisconnectReq));
        assert_eq!(p("12|WebSocket"), Ok(ParentMessage::ConnectionType(Transport::WebSocket)));
        assert_eq!(p("12|bosh"), Ok(ParentMessage::ConnectionType(Transport::Bosh)));
        assert_eq!(p("14|"), Ok(ParentMessage::SubscriptionsReq));
        assert_eq!(
            p("100|{\"id\":1}"),
            Ok(ParentMessage::Extension { ty: 100, payload: "{\"id\":1}" })
        );
    }

    #[test]
    fn connect_req() {
        let m = p("10|<connInfo><id>Agent1</id><password>p&amp;w|x</password>\
                   <xmppDomain>d.example</xmppDomain>\
                   <notificationConnectionType>BOSH</notificationConnectionType></connInfo>");
        assert_eq!(
            m,
            Ok(ParentMessage::ConnectReq(ConnInfo {
                id: "Agent1".into(),
                password: "p&w|x".into(),
                domain: "d.example".into(),
                transport: Some(Transport::Bosh),
            }))
        );
        let m = p("10|<connInfo><id>a</id><password>b</password><xmppDomain>c</xmppDomain></connInfo>");
        assert!(matches!(m, Ok(ParentMessage::ConnectReq(ConnInfo { transport: None, .. }))));
        for bad in [
            "10|<connInfo><id>a</id></connInfo>",
            "10|<connInfo>",
            "10|not xml",
            "10|<other><id>a</id><password>b</password><xmppDomain>c</xmppDomain></other>",
            "10|<connInfo><id>a</id><password>b</password><xmppDomain>c</xmppDomain>\
             <notificationConnectionType>carrier-pigeon</notificationConnectionType></connInfo>",
        ] {
            assert!(matches!(p(bad), Err(ProtocolError::BadPayload { ty: 10, .. })), "{bad}");
        }
    }

    #[test]
    fn disconnect_properties_numbers_or_strings() {
        let m = p(r#"15|{"xmppRequestTimeout":"5000","xmppFailoverDetectionPingInterval":7000,"xmppFailoverRequestMaxRetry":"3"}"#);
        assert_eq!(
            m,
            Ok(ParentMessage::DisconnectProperties(PingSettings {
                request_timeout_ms: Some(5000),
                ping_interval_ms: Some(7000),
                max_retry: Some(3),
            }))
        );
        assert_eq!(p("15|{}"), Ok(ParentMessage::DisconnectProperties(PingSettings::default())));
        for bad in ["15|", "15|[1]", r#"15|{"xmppRequestTimeout":-1}"#, r#"15|{"xmppRequestTimeout":"ten"}"#,
                    r#"15|{"xmppRequestTimeout":1.5}"#, r#"15|{"xmppRequestTimeout":true}"#] {
            assert!(matches!(p(bad), Err(ProtocolError::BadPayload { ty: 15, .. })), "{bad}");
        }
    }

    #[test]
    fn container_config() {
        assert_eq!(p(r#"16|{"enableConsoleTraceLogging":"true"}"#), Ok(ParentMessage::ContainerConfig { trace: true }));
        assert_eq!(p(r#"16|{"enableConsoleTraceLogging":false}"#), Ok(ParentMessage::ContainerConfig { trace: false }));
        assert!(matches!(p("16|{"), Err(ProtocolError::BadPayload { ty: 16, .. })));
        assert!(matches!(p(r#"16|{"enableConsoleTraceLogging":"yes"}"#), Err(ProtocolError::BadPayload { .. })));
    }

    #[test]
    fn malformed_messages() {
        assert_eq!(p("hello"), Err(ProtocolError::NoSeparator));
        assert_eq!(p(""), Err(ProtocolError::NoSeparator));
        assert_eq!(p("|x"), Err(ProtocolError::BadType));
        assert_eq!(p("x|1"), Err(ProtocolError::BadType));
        assert_eq!(p("-1|1"), Err(ProtocolError::BadType));
        assert_eq!(p(" 1|1"), Err(ProtocolError::BadType));
        assert_eq!(p("1.0|1"), Err(ProtocolError::BadType));
        assert_eq!(p("99999999999|1"), Err(ProtocolError::BadType));
        assert_eq!(p("70000|1"), Err(ProtocolError::BadType));
        assert_eq!(p("17|x"), Err(ProtocolError::UnknownType(17)));
        assert_eq!(p("99|x"), Err(ProtocolError::UnknownType(99)));
        assert_eq!(p("0|/n<x/>"), Err(ProtocolError::WrongDirection(MsgType::Event)));
        assert_eq!(p("4|connected"), Err(ProtocolError::WrongDirection(MsgType::Status)));
        assert_eq!(p("9|x"), Err(ProtocolError::WrongDirection(MsgType::Presence)));
        assert_eq!(p("13|x"), Err(ProtocolError::WrongDirection(MsgType::Logging)));
        assert!(matches!(p("12|smoke"), Err(ProtocolError::BadPayload { ty: 12, .. })));
        let huge = format!("7|{}", "a".repeat(MAX));
        assert_eq!(p(&huge), Err(ProtocolError::TooLarge { len: MAX + 2, max: MAX }));
        // Every error has a description for the LOGGING line.
        assert!(ProtocolError::UnknownType(17).describe().contains("17"));
    }
}
