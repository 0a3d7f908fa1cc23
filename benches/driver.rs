//! The receive path's driver, shared by the native benchmark
//! (benches/receive.rs) and the wasm one (tests/wasm_receive.rs): a tunnel
//! logged in and subscribed, and the Finesse notification frames it gets.

use xmpp_tunnel::config::Config;
use xmpp_tunnel::tunnel::{Output, Tunnel};

pub const NODE: &str = "/finesse/api/User/1001001";

/// A Finesse-style `<Update>` of about 1 KB, escaped as the text of the
/// notification, in the stanza the pubsub service sends.
pub fn notification(seq: u64) -> String {
    let update = format!(
        "<Update><data><user><dialogs>/finesse/api/User/1001001/Dialogs</dialogs><extension>1001001</extension>\
         <firstName>Agent</firstName><lastName>One</lastName><loginId>1001001</loginId><loginName>agent1</loginName>\
         <mediaType>1</mediaType><pendingState></pendingState><reasonCodeId>-1</reasonCodeId><roles><role>Agent</role></roles>\
         <settings><wrapUpOnIncoming>OPTIONAL</wrapUpOnIncoming></settings><state>READY</state>\
         <stateChangeTime>2026-12-02T18:00:00.000Z</stateChangeTime><teamId>1</teamId><teamName>Default &amp; Co</teamName>\
         <uri>/finesse/api/User/1001001</uri><seq>{seq}</seq></user></data><event>PUT</event>\
         <requestId>0f8fad5b-d9cb-469f-a165-70867728950e</requestId><source>/finesse/api/User/1001001</source></Update>"
    );
    let mut escaped = String::new();
    xmpp_tunnel::xml::escape_text(&mut escaped, &update);
    format!(
        "<message xmlns='jabber:client' from='pubsub.d.example' to='agent1@d.example/desk' id='n{seq}'>\
         <event xmlns='http://jabber.org/protocol/pubsub#event'><items node='{NODE}'><item id='i{seq}'>\
         <notification xmlns='http://jabber.org/protocol/pubsub'>{escaped}</notification></item></items></event></message>"
    )
}

pub struct Driver {
    pub t: Tunnel,
    pub conn: u32,
    sent: Vec<String>,
    parent: Vec<String>,
}

impl Driver {
    fn drain(&mut self) {
        while let Some(o) = self.t.poll_output() {
            match o {
                Output::Open { conn, .. } => self.conn = conn,
                Output::Send { data, .. } => self.sent.push(data),
                Output::Parent(m) => self.parent.push(m),
                _ => {}
            }
        }
    }
    fn parent(&mut self, m: &str) {
        self.t.handle_parent(0, m);
        self.drain();
    }
    fn server(&mut self, xml: &str) {
        self.t.handle_message(0, self.conn, xml);
        self.drain();
    }
    /// The id of the last stanza we sent that has one.
    fn last_id(&self) -> String {
        let limits = xmpp_tunnel::xml::Limits::SERVER;
        let id = self.sent.iter().rev().find_map(|s| Some(xmpp_tunnel::xml::parse(s, &limits).ok()?.root().attr("id")?.to_string()));
        id.expect("we sent a stanza with an id")
    }
}

/// A tunnel logged in (PLAIN) and subscribed to NODE.
pub fn connected() -> Driver {
    let (cfg, _) = Config::parse(r#"{"allowInsecurePlain":true}"#);
    let mut d = Driver {
        t: Tunnel::new(cfg, vec![], "http://localhost:7071/tunnel/", Box::new(|b: &mut [u8]| b.fill(7))),
        conn: 0,
        sent: vec![],
        parent: vec![],
    };
    d.t.start(0);
    d.drain();
    for m in ["1|1001001", "5|d.example", "2|secret", "6|pubsub.d.example"] {
        d.parent(m);
    }
    d.t.handle_open(0, d.conn, "xmpp");
    d.drain();
    let open = "<open xmlns='urn:ietf:params:xml:ns:xmpp-framing' from='d.example' id='s1' version='1.0'/>";
    d.server(open);
    d.server("<stream:features xmlns:stream='http://etherx.jabber.org/streams'><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN</mechanism></mechanisms></stream:features>");
    d.server("<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>");
    d.server(open);
    d.server("<stream:features xmlns:stream='http://etherx.jabber.org/streams'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></stream:features>");
    let id = d.last_id();
    d.server(&format!("<iq xmlns='jabber:client' type='result' id='{id}'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>1001001@d.example/desk</jid></bind></iq>"));
    d.parent(&format!("7|{NODE}"));
    let id = d.last_id();
    d.server(&format!("<iq xmlns='jabber:client' type='result' id='{id}' from='pubsub.d.example'/>"));
    assert!(d.parent.iter().any(|m| m == "4|connected"), "not connected: {:?}", d.parent);
    assert!(d.parent.iter().any(|m| m == &format!("7|{NODE}")), "not subscribed: {:?}", d.parent);
    d
}

