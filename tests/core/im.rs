//! Instant messaging over the extension channel (feature `im`): literal
//! parent requests and server stanzas in, literal stanzas and JSON out.

use crate::tunnel::{Harness, OPEN};

const SM: &str = "urn:xmpp:sm:3";
const CFG: &str = r#"{"allowInsecurePlain":true,"reconnectJitter":false,"reconnectBaseMs":1000,"bosh":[]}"#;
const OWN: &str = "agent1@d.example";

fn has(list: &[String], want: &str) -> bool {
    list.iter().any(|s| s == want)
}

/// The sent stanza whose text contains `needle`.
fn sent_with<'a>(sent: &'a [String], needle: &str) -> &'a str {
    sent.iter().find(|s| s.contains(needle)).unwrap_or_else(|| panic!("nothing sent with {needle}: {sent:?}"))
}

fn id_of(stanza: &str) -> String {
    xmpp_tunnel::xml::parse(stanza, &xmpp_tunnel::xml::Limits::SERVER).unwrap().root().attr("id").unwrap().to_string()
}

impl Harness {
    /// A login on a server that offers stream management, before it
    /// answers `<enable/>`.
    fn login_sm_without_enabled(&mut self) {
        self.send_all(&["3|desk", "1|agent1", "5|d.example", "2|secret", "6|pubsub.d.example"]);
        self.authenticate();
        let id = self.last_id();
        self.server(&format!("<iq xmlns='jabber:client' type='result' id='{id}'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>{OWN}/desk</jid></bind></iq>"));
    }

    /// Signed in, the roster holding `items` and carbons enabled; outputs
    /// cleared.
    fn im(items: &str) -> Harness {
        let mut h = Harness::with_config(CFG);
        h.login("desk");
        h.im_start(items);
        h
    }

    /// The server's answers to what a sign-in asks for IM.
    fn im_start(&mut self, items: &str) {
        let sent = self.take_sent();
        let carbons = id_of(sent_with(&sent, "urn:xmpp:carbons:2"));
        let roster = id_of(sent_with(&sent, "jabber:iq:roster"));
        self.server(&format!("<iq xmlns='jabber:client' type='result' id='{carbons}'/>"));
        self.server(&format!("<iq xmlns='jabber:client' type='result' id='{roster}'><query xmlns='jabber:iq:roster'>{items}</query></iq>"));
        self.take_parent();
        self.take_sent();
    }
}

const BOB: &str = "<item jid='bob@d.example' name='Bob' subscription='both'><group>Team</group></item>";

#[test]
fn a_sign_in_fetches_the_roster_and_enables_carbons_before_the_presence() {
    let mut h = Harness::with_config(CFG);
    h.login("desk");
    let sent = h.take_sent();
    let at = |needle: &str| sent.iter().position(|s| s.contains(needle)).unwrap_or_else(|| panic!("{needle}: {sent:?}"));
    assert!(at("<enable xmlns=\"urn:xmpp:carbons:2\"/>") < at("<presence"));
    assert!(at("<query xmlns=\"jabber:iq:roster\"/>") < at("<presence"), "no ver: the server offers no versioning: {sent:?}");
    let id = id_of(&sent[at("jabber:iq:roster")]);
    // The roster is being fetched: a request waits for it.
    h.parent(r#"120|{"id":"r0"}"#);
    h.take_parent();
    assert!(h.take_sent().is_empty(), "one fetch for both");
    h.server(&format!("<iq xmlns='jabber:client' type='result' id='{id}'><query xmlns='jabber:iq:roster' ver='v1'>{BOB}</query></iq>"));
    let item = r#"{"jid":"bob@d.example","name":"Bob","subscription":"both","groups":["Team"]}"#;
    assert_eq!(h.take_parent(), [format!(r#"123|{{"items":[{item}],"full":true}}"#), format!(r#"120|{{"id":"r0","items":[{item}]}}"#)]);
    // Asked again: answered from what the tunnel holds.
    h.parent(r#"120|{"id":"r1"}"#);
    assert!(h.take_sent().is_empty());
    assert_eq!(h.take_parent(), [format!(r#"120|{{"id":"r1","items":[{item}]}}"#)]);
}

#[test]
fn a_message_is_reported_sent_when_stream_management_acknowledges_it() {
    let mut h = Harness::with_config(CFG);
    h.login_sm();
    h.im_start("");
    h.server(&format!("<a xmlns='{SM}' h='3'/>")); // carbons, roster, presence
    h.parent(r#"110|{"id":"s1","to":"bob@d.example","body":"<b>hi</b> & bye","thread":"t1"}"#);
    let sent = h.take_sent();
    let msg = sent_with(&sent, "<message");
    assert!(msg.contains("<body>&lt;b&gt;hi&lt;/b&gt; &amp; bye</body><thread>t1</thread><request xmlns=\"urn:xmpp:receipts\"/>"), "{msg}");
    let mid = id_of(msg);
    assert!(h.take_parent().is_empty(), "not reported before the server has it");
    h.server(&format!("<a xmlns='{SM}' h='4'/>"));
    assert_eq!(h.take_parent(), [format!(r#"110|{{"id":"s1","messageId":"{mid}","status":"sent","acked":true}}"#)]);
    // The receipt arrives as its own event.
    h.server(&format!("<message xmlns='jabber:client' from='bob@d.example/x' id='rc'><received xmlns='urn:xmpp:receipts' id='{mid}'/></message>"));
    assert_eq!(h.take_parent(), [format!(r#"113|{{"from":"bob@d.example/x","messageId":"{mid}"}}"#)]);
}

#[test]
fn unacknowledged_messages_are_resent_on_resume_and_failed_on_a_new_session() {
    let mut h = Harness::with_config(CFG);
    h.login_sm();
    h.im_start("");
    h.server(&format!("<a xmlns='{SM}' h='3'/>"));
    h.parent(r#"110|{"id":"s1","to":"bob@d.example","body":"one","messageId":"m-1"}"#);
    h.lose_connection();
    h.take_parent();
    h.advance(1000);
    h.take_sent();
    h.authenticate();
    h.server(&format!("<resumed xmlns='{SM}' h='3' previd='R1'/>"));
    let sent = h.take_sent();
    assert!(sent.iter().any(|s| s.contains("<body>one</body>")), "resent on resumption: {sent:?}");
    h.server(&format!("<a xmlns='{SM}' h='4'/>"));
    assert!(has(&h.take_parent(), r#"110|{"id":"s1","messageId":"m-1","status":"sent","acked":true}"#));
    // Now a loss the server cannot resume: what it never acknowledged fails.
    h.parent(r#"110|{"id":"s2","to":"bob@d.example","body":"two","messageId":"m-2"}"#);
    h.lose_connection();
    h.advance(3000);
    h.authenticate();
    h.server(&format!("<failed xmlns='{SM}'/>"));
    let p = h.take_parent();
    assert!(has(&p, r#"110|{"id":"s2","messageId":"m-2","status":"failed","acked":false,"error":{"condition":"not-connected","text":"the connection was lost before the server acknowledged the message"}}"#), "{p:?}");
}

#[test]
fn without_stream_management_a_message_is_sent_unacknowledged() {
    let mut h = Harness::im("");
    h.parent(r#"110|{"id":"s1","to":"bob@d.example/x","body":"hi","messageId":"m1","receipt":false}"#);
    assert_eq!(h.take_sent(), ["<message xmlns=\"jabber:client\" to=\"bob@d.example/x\" id=\"m1\" type=\"chat\"><body>hi</body></message>"]);
    assert_eq!(h.take_parent(), [r#"110|{"id":"s1","messageId":"m1","status":"sent","acked":false}"#]);
}

#[test]
fn incoming_messages_are_data_marked_when_from_strangers_and_receipted_only_to_buddies() {
    let mut h = Harness::im(BOB);
    h.server("<message xmlns='jabber:client' from='bob@d.example/x' type='chat' id='m1'><body>&lt;img src=x onerror=alert(1)&gt;</body>\
              <active xmlns='http://jabber.org/protocol/chatstates'/><request xmlns='urn:xmpp:receipts'/></message>");
    assert_eq!(h.take_parent(), [r#"112|{"messageId":"m1","from":"bob@d.example/x","type":"chat","body":"<img src=x onerror=alert(1)>","state":"active"}"#]);
    let sent = h.take_sent();
    assert_eq!(sent.len(), 1);
    assert!(sent[0].contains("to=\"bob@d.example/x\"") && sent[0].contains("<received xmlns=\"urn:xmpp:receipts\" id=\"m1\"/>"), "{sent:?}");
    h.server("<message xmlns='jabber:client' from='eve@evil.example/x' type='chat' id='m2'><body>hello</body><request xmlns='urn:xmpp:receipts'/></message>");
    assert_eq!(h.take_parent(), [r#"112|{"messageId":"m2","from":"eve@evil.example/x","type":"chat","body":"hello","unknown":true}"#]);
    assert!(h.take_sent().is_empty(), "no receipt to a stranger (it would tell them we are online)");
    // A chat state alone.
    h.server("<message xmlns='jabber:client' from='bob@d.example/x' type='chat'><composing xmlns='http://jabber.org/protocol/chatstates'/></message>");
    assert_eq!(h.take_parent(), [r#"112|{"from":"bob@d.example/x","type":"chat","state":"composing"}"#]);
    h.parent(r#"111|{"id":"c1","to":"bob@d.example/x","state":"paused"}"#);
    assert!(h.take_sent()[0].contains("<paused xmlns=\"http://jabber.org/protocol/chatstates\"/>"));
    assert_eq!(h.take_parent(), [r#"111|{"id":"c1"}"#]);
}

#[test]
fn a_pubsub_notification_from_a_buddy_is_neither_an_event_nor_a_chat() {
    let mut h = Harness::im(BOB);
    h.server("<message xmlns='jabber:client' from='bob@d.example/x' type='chat'><body>see</body><event xmlns='http://jabber.org/protocol/pubsub#event'>\
              <items node='/finesse/api/User/1'><item id='1'><notification xmlns='http://jabber.org/protocol/pubsub'>x</notification></item></items></event></message>");
    let p = h.take_parent();
    assert_eq!(p.len(), 1, "{p:?}");
    assert!(p[0].starts_with("13|ignored a pubsub notification that did not come from the pubsub service"));
}

#[test]
fn carbons_only_from_our_own_account() {
    let mut h = Harness::im(BOB);
    let carbon = |from: &str| {
        format!("<message xmlns='jabber:client' from='{from}' to='{OWN}/desk'><sent xmlns='urn:xmpp:carbons:2'><forwarded xmlns='urn:xmpp:forward:0'>\
                 <message xmlns='jabber:client' from='{OWN}/other' to='bob@d.example/x' type='chat' id='c1'><body>from the other desk</body></message></forwarded></sent></message>")
    };
    h.server(&carbon(OWN));
    assert_eq!(h.take_parent(), [r#"112|{"messageId":"c1","from":"agent1@d.example/other","to":"bob@d.example/x","type":"chat","body":"from the other desk","carbon":"sent"}"#]);
    h.server(&carbon("bob@d.example"));
    h.server(&carbon("agent1@d.example/other"));
    let p = h.take_parent();
    assert_eq!(p.len(), 2);
    assert!(p.iter().all(|l| l.starts_with("13|ignored a carbon copy that did not come from our own account")), "{p:?}");
}

#[test]
fn roster_pushes_change_the_list_and_strangers_cannot_push() {
    let mut h = Harness::im(BOB);
    h.server("<iq xmlns='jabber:client' type='set' id='p1'><query xmlns='jabber:iq:roster' ver='v2'><item jid='carol@d.example' subscription='none' ask='subscribe'/></query></iq>");
    assert_eq!(h.take_parent(), [r#"123|{"items":[{"jid":"carol@d.example","subscription":"none","ask":"subscribe","groups":[]}],"full":false}"#]);
    assert_eq!(h.take_sent(), ["<iq xmlns=\"jabber:client\" type=\"result\" id=\"p1\"/>"]);
    h.server("<iq xmlns='jabber:client' type='set' id='p2' from='eve@evil.example'><query xmlns='jabber:iq:roster'><item jid='eve@evil.example' subscription='both'/></query></iq>");
    assert!(h.take_parent().is_empty());
    assert!(h.take_sent()[0].contains("service-unavailable"));
    // Removal.
    h.server("<iq xmlns='jabber:client' type='set' id='p3' from='agent1@d.example'><query xmlns='jabber:iq:roster'><item jid='bob@d.example' subscription='remove'/></query></iq>");
    h.take_parent();
    h.take_sent();
    h.parent(r#"120|{"id":"r2"}"#);
    assert_eq!(h.take_parent(), [r#"120|{"id":"r2","items":[{"jid":"carol@d.example","subscription":"none","ask":"subscribe","groups":[]}]}"#]);
    // Add, rename and regroup; remove.
    h.parent(r#"121|{"id":"a1","jid":"dave@d.example","name":"Dave <D>","groups":["Team","Sup"]}"#);
    let sent = h.take_sent();
    assert!(sent[0].contains("<item jid=\"dave@d.example\" name=\"Dave &lt;D&gt;\"><group>Team</group><group>Sup</group></item>"), "{sent:?}");
    h.server(&format!("<iq xmlns='jabber:client' type='result' id='{}'/>", id_of(&sent[0])));
    assert_eq!(h.take_parent(), [r#"121|{"id":"a1"}"#]);
    h.parent(r#"122|{"id":"d1","jid":"dave@d.example"}"#);
    let sent = h.take_sent();
    assert!(sent[0].contains("<item jid=\"dave@d.example\" subscription=\"remove\"/>"));
    h.server(&format!("<iq xmlns='jabber:client' type='error' id='{}'><error type='cancel'><item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>", id_of(&sent[0])));
    assert_eq!(h.take_parent(), [r#"122|{"id":"d1","error":{"condition":"item-not-found"}}"#]);
}

#[test]
fn presence_both_ways_and_the_parents_presence_starts_the_next_session() {
    let mut h = Harness::im(BOB);
    h.server("<presence xmlns='jabber:client' from='bob@d.example/x'><show>dnd</show><status>on a call</status><priority>5</priority></presence>");
    let p = h.take_parent();
    assert_eq!(p[1], r#"131|{"from":"bob@d.example/x","show":"dnd","status":"on a call","priority":5}"#);
    h.server("<presence xmlns='jabber:client' from='eve@evil.example/x' type='unavailable'/>");
    assert_eq!(h.take_parent()[1], r#"131|{"from":"eve@evil.example/x","show":"offline","unknown":true}"#);
    h.parent(r#"130|{"id":"p1","show":"away","status":"back soon"}"#);
    assert_eq!(h.take_sent(), ["<presence xmlns=\"jabber:client\"><show>away</show><status>back soon</status></presence>"]);
    assert_eq!(h.take_parent(), [r#"130|{"id":"p1"}"#]);
    // A new session announces the same presence, after fetching the roster.
    h.lose_connection();
    h.advance(1000);
    h.take_sent();
    h.finish_login("desk");
    let sent = h.take_sent();
    let roster = sent.iter().position(|s| s.contains("jabber:iq:roster")).expect("roster fetched again");
    let presence = sent.iter().position(|s| s == "<presence xmlns=\"jabber:client\"><show>away</show><status>back soon</status></presence>").expect("same presence");
    assert!(roster < presence, "{sent:?}");
}

#[test]
fn buddy_requests_accepted_declined_or_deferred() {
    let mut h = Harness::im(BOB);
    h.server("<presence xmlns='jabber:client' from='carol@d.example' type='subscribe'><status>it is Carol</status></presence>");
    assert_eq!(h.take_parent()[1], r#"132|{"from":"carol@d.example","status":"it is Carol","unknown":true}"#);
    h.parent(r#"133|{"id":"b1","jid":"carol@d.example","answer":"accept"}"#);
    assert_eq!(h.take_sent(), [
        "<presence xmlns=\"jabber:client\" to=\"carol@d.example\" type=\"subscribed\"/>",
        "<presence xmlns=\"jabber:client\" to=\"carol@d.example\" type=\"subscribe\"/>",
    ]);
    assert_eq!(h.take_parent(), [r#"133|{"id":"b1"}"#]);
    h.parent(r#"133|{"id":"b2","jid":"dave@d.example","answer":"decline"}"#);
    assert_eq!(h.take_sent(), ["<presence xmlns=\"jabber:client\" to=\"dave@d.example\" type=\"unsubscribed\"/>"]);
    h.parent(r#"133|{"id":"b3","jid":"erin@d.example","answer":"defer"}"#);
    assert!(h.take_sent().is_empty(), "left pending at the server");
    assert_eq!(h.take_parent(), [r#"133|{"id":"b2"}"#, r#"133|{"id":"b3"}"#]);
    // Our own request, and its answer.
    h.parent(r#"134|{"id":"b4","jid":"frank@d.example","name":"Frank","status":"from the desk"}"#);
    let sent = h.take_sent();
    assert!(sent[0].contains("<item jid=\"frank@d.example\" name=\"Frank\"/>"));
    assert_eq!(sent[1], "<presence xmlns=\"jabber:client\" to=\"frank@d.example\" type=\"subscribe\"><status>from the desk</status></presence>");
    h.server("<presence xmlns='jabber:client' from='frank@d.example' type='unsubscribed'/>");
    let p: Vec<String> = h.take_parent().into_iter().filter(|m| !m.starts_with("9|")).collect();
    assert_eq!(p, [r#"134|{"id":"b4"}"#.to_string(), r#"135|{"from":"frank@d.example","type":"unsubscribed","unknown":true}"#.to_string()]);
}

#[test]
fn blocking_and_its_pushes() {
    let mut h = Harness::im(BOB);
    h.parent(r#"140|{"id":"k1","jids":["eve@evil.example"]}"#);
    let sent = h.take_sent();
    assert!(sent[0].contains("<block xmlns=\"urn:xmpp:blocking\"><item jid=\"eve@evil.example\"/></block>"));
    h.server(&format!("<iq xmlns='jabber:client' type='result' id='{}'/>", id_of(&sent[0])));
    h.server("<iq xmlns='jabber:client' type='set' id='b1'><block xmlns='urn:xmpp:blocking'><item jid='eve@evil.example'/></block></iq>");
    assert_eq!(h.take_parent(), [r#"140|{"id":"k1"}"#, r#"143|{"blocked":["eve@evil.example"]}"#]);
    h.parent(r#"142|{"id":"k2"}"#);
    let sent = h.take_sent();
    h.server(&format!("<iq xmlns='jabber:client' type='result' id='{}'><blocklist xmlns='urn:xmpp:blocking'><item jid='eve@evil.example'/></blocklist></iq>", id_of(sent.last().unwrap())));
    assert_eq!(h.take_parent(), [r#"142|{"id":"k2","jids":["eve@evil.example"]}"#]);
    h.parent(r#"141|{"id":"k3"}"#);
    assert!(h.take_sent()[0].contains("<unblock xmlns=\"urn:xmpp:blocking\"/>"), "no items: unblock all");
}

const ROOM: &str = "team@conference.d.example";

fn occupant(nick: &str, extra: &str, codes: &str) -> String {
    format!("<presence xmlns='jabber:client' from='{ROOM}/{nick}'{extra}><x xmlns='http://jabber.org/protocol/muc#user'>\
             <item affiliation='member' role='participant'/>{codes}</x></presence>")
}

#[test]
fn a_room_joined_used_left_and_rejoined_after_a_new_session() {
    let mut h = Harness::im(BOB);
    h.parent(&format!(r#"110|{{"id":"g0","to":"{ROOM}","type":"groupchat","body":"early"}}"#));
    assert_eq!(h.take_parent(), [r#"110|{"id":"g0","error":{"condition":"not-acceptable","text":"not in that room: join it first"}}"#]);
    h.parent(&format!(r#"150|{{"id":"j1","room":"{ROOM}","nick":"Agent One","password":"pw","history":5}}"#));
    assert_eq!(h.take_sent(), [format!("<presence xmlns=\"jabber:client\" to=\"{ROOM}/Agent One\"><x xmlns=\"http://jabber.org/protocol/muc\"><password>pw</password><history maxstanzas=\"5\"/></x></presence>")]);
    h.server(&occupant("Sup", "", ""));
    h.server(&occupant("Agent One", "", "<status code='110'/>"));
    let p: Vec<String> = h.take_parent().into_iter().filter(|m| !m.starts_with("9|")).collect();
    assert_eq!(p, [
        format!(r#"152|{{"room":"{ROOM}","nick":"Sup","role":"participant","affiliation":"member","show":"available","self":false,"left":false}}"#),
        format!(r#"152|{{"room":"{ROOM}","nick":"Agent One","role":"participant","affiliation":"member","show":"available","self":true,"left":false,"codes":[110]}}"#),
        format!(r#"150|{{"id":"j1","room":"{ROOM}","nick":"Agent One"}}"#),
    ]);
    h.server(&format!("<message xmlns='jabber:client' from='{ROOM}/Sup' type='groupchat' id='g1'><body>hello team</body></message>"));
    assert_eq!(h.take_parent(), [format!(r#"112|{{"messageId":"g1","from":"{ROOM}/Sup","type":"groupchat","body":"hello team"}}"#)]);
    // A room message from a room we are not in is dropped.
    h.server("<message xmlns='jabber:client' from='other@conference.d.example/x' type='groupchat'><body>spam</body></message>");
    assert!(h.take_parent()[0].starts_with("13|ignored a room message"));
    h.parent(&format!(r#"110|{{"id":"g2","to":"{ROOM}","type":"groupchat","body":"hi all"}}"#));
    assert!(h.take_sent()[0].contains("type=\"groupchat\"><body>hi all</body></message>"), "no receipt request in a room");
    // A new session enters the room again, without history.
    h.lose_connection();
    h.advance(1000);
    h.take_sent();
    h.finish_login("desk");
    let sent = h.take_sent();
    assert!(has(&sent, &format!("<presence xmlns=\"jabber:client\" to=\"{ROOM}/Agent One\"><x xmlns=\"http://jabber.org/protocol/muc\"><password>pw</password><history maxstanzas=\"0\"/></x></presence>")), "{sent:?}");
    h.server(&occupant("Agent One", "", "<status code='110'/>"));
    h.take_parent();
    h.parent(&format!(r#"151|{{"id":"l1","room":"{ROOM}"}}"#));
    assert_eq!(h.take_sent(), [format!("<presence xmlns=\"jabber:client\" to=\"{ROOM}/Agent One\" type=\"unavailable\"/>")]);
    h.server(&occupant("Agent One", " type='unavailable'", "<status code='110'/>"));
    assert_eq!(h.take_parent().last().unwrap(), r#"151|{"id":"l1"}"#);
}

#[test]
fn a_room_that_refuses_us_fails_the_join() {
    let mut h = Harness::im("");
    h.parent(&format!(r#"150|{{"id":"j1","room":"{ROOM}","nick":"me"}}"#));
    h.server(&format!("<presence xmlns='jabber:client' from='{ROOM}/me' type='error'><error type='auth'><not-authorized xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></presence>"));
    assert_eq!(h.take_parent().last().unwrap(), r#"150|{"id":"j1","error":{"condition":"not-authorized"}}"#);
    // And one that never answers.
    h.parent(&format!(r#"150|{{"id":"j2","room":"{ROOM}","nick":"me"}}"#));
    h.take_sent();
    h.advance(10_000);
    assert_eq!(h.take_parent().last().unwrap(), r#"150|{"id":"j2","error":{"condition":"remote-server-timeout","text":"the room did not answer in time"}}"#);
    assert!(h.take_sent().iter().any(|s| s.contains("type=\"unavailable\"")), "left, should it answer late");
}

#[test]
fn invitations_both_ways() {
    let mut h = Harness::im(BOB);
    h.server(&format!("<message xmlns='jabber:client' from='{ROOM}'><x xmlns='http://jabber.org/protocol/muc#user'>\
                       <invite from='bob@d.example/x'><reason>join us</reason></invite><password>pw</password></x></message>"));
    assert_eq!(h.take_parent(), [format!(r#"154|{{"room":"{ROOM}","from":"bob@d.example/x","reason":"join us","password":"pw"}}"#)]);
    h.server("<message xmlns='jabber:client' from='eve@evil.example/x'><x xmlns='jabber:x:conference' jid='trap@conference.evil.example'/></message>");
    assert_eq!(h.take_parent(), [r#"154|{"room":"trap@conference.evil.example","from":"eve@evil.example","unknown":true}"#]);
    h.parent(&format!(r#"155|{{"id":"d1","room":"{ROOM}","jid":"bob@d.example","reason":"busy"}}"#));
    assert!(h.take_sent()[0].contains("<decline to=\"bob@d.example\"><reason>busy</reason></decline>"));
    h.parent(&format!(r#"153|{{"id":"i1","room":"{ROOM}","jid":"carol@d.example"}}"#));
    assert!(h.take_sent()[0].contains("<invite to=\"carol@d.example\"/>"));
    assert_eq!(h.take_parent(), [r#"155|{"id":"d1"}"#, r#"153|{"id":"i1"}"#]);
}

#[test]
fn history_collects_the_archives_results_from_whom_we_asked() {
    let mut h = Harness::im(BOB);
    h.parent(r#"114|{"id":"h1","with":"bob@d.example","max":2}"#);
    let sent = h.take_sent();
    let q = &sent[0];
    assert!(q.contains("<query xmlns=\"urn:xmpp:mam:2\"") && q.contains("<field var=\"with\"><value>bob@d.example</value></field>") && q.contains("<max>2</max><before/>"), "{q}");
    let qid = q.split("queryid=\"").nth(1).unwrap().split('"').next().unwrap().to_string();
    let result = |from: &str, n: u32| {
        format!("<message xmlns='jabber:client' from='{from}'><result xmlns='urn:xmpp:mam:2' queryid='{qid}' id='a{n}'><forwarded xmlns='urn:xmpp:forward:0'>\
                 <delay xmlns='urn:xmpp:delay' stamp='2026-12-01T10:00:0{n}Z'/><message xmlns='jabber:client' from='bob@d.example/x' to='{OWN}/desk' type='chat'><body>old {n}</body></message></forwarded></result></message>")
    };
    h.server(&result(OWN, 1));
    h.server(&result("eve@evil.example", 9));
    h.server(&result(OWN, 2));
    let p = h.take_parent();
    assert_eq!(p.len(), 1);
    assert!(p[0].starts_with("13|ignored an archive result to no query of ours"));
    h.server(&format!("<iq xmlns='jabber:client' type='result' id='{}'><fin xmlns='urn:xmpp:mam:2' complete='true'><set xmlns='http://jabber.org/protocol/rsm'><first>a1</first><last>a2</last></set></fin></iq>", id_of(q)));
    assert_eq!(h.take_parent(), [
        format!(r#"114|{{"id":"h1","messages":[{{"from":"bob@d.example/x","to":"{OWN}/desk","type":"chat","body":"old 1","stamp":"2026-12-01T10:00:01Z","archiveId":"a1"}},{{"from":"bob@d.example/x","to":"{OWN}/desk","type":"chat","body":"old 2","stamp":"2026-12-01T10:00:02Z","archiveId":"a2"}}],"complete":true,"first":"a1","last":"a2"}}"#),
    ]);
}

#[test]
fn bad_requests_get_clear_answers() {
    let mut h = Harness::im(BOB);
    let cases = [
        (r#"110|not json"#, "13|ignored type 110: not JSON"),
        (r#"110|{"to":"bob@d.example","body":"x"}"#, r#"13|ignored type 110: no usable "id" (a string of 1 to 64 characters)"#),
        (r#"110|{"id":"1","to":"bob@@d","body":"x"}"#, r#"110|{"id":"1","error":{"condition":"bad-request","text":"to: not a JID"}}"#),
        (r#"110|{"id":"2","to":"bob@d.example"}"#, r#"110|{"id":"2","error":{"condition":"bad-request","text":"a message needs a body, a subject or a state"}}"#),
        (r#"110|{"id":"3","to":"bob@d.example","body":"a\u0000b"}"#, r#"110|{"id":"3","error":{"condition":"bad-request","text":"body: holds characters XML cannot carry"}}"#),
        (r#"110|{"id":"4","to":"bob@d.example","body":7}"#, r#"110|{"id":"4","error":{"condition":"bad-request","text":"body: must be a string"}}"#),
        (r#"121|{"id":"5","jid":"bob@d.example/res"}"#, r#"121|{"id":"5","error":{"condition":"bad-request","text":"jid: not a bare JID (user@domain or domain)"}}"#),
        (r#"130|{"id":"6","show":"busy"}"#, r#"130|{"id":"6","error":{"condition":"bad-request","text":"show: one of available, away, xa, dnd, chat, offline"}}"#),
        (r#"114|{"id":"7","max":1000}"#, r#"114|{"id":"7","error":{"condition":"bad-request","text":"max: a whole number from 1 to 100"}}"#),
        (r#"199|{"id":"8"}"#, "13|ignored extension message of unsupported type 199"),
    ];
    for (req, want) in cases {
        h.parent(req);
        assert_eq!(h.take_parent(), [want], "{req}");
    }
    assert!(h.take_sent().is_empty(), "nothing reached the server");
    let long = "x".repeat(16 * 1024 + 1);
    h.parent(&format!(r#"110|{{"id":"9","to":"bob@d.example","body":"{long}"}}"#));
    assert_eq!(h.take_parent(), [r#"110|{"id":"9","error":{"condition":"bad-request","text":"body: longer than 16 KiB"}}"#]);
}

#[test]
fn requests_are_rate_limited() {
    let mut h = Harness::im(BOB);
    h.advance(10_000);
    for n in 0..60 {
        h.parent(&format!(r#"111|{{"id":"c{n}","to":"bob@d.example","state":"composing"}}"#));
    }
    let p = h.take_parent();
    let refused = p.iter().filter(|m| m.contains("resource-constraint")).count();
    assert_eq!(refused, 10, "a burst of 50, then refused: {p:?}");
    assert_eq!(h.take_sent().iter().filter(|s| s.contains("composing")).count(), 50);
    h.advance(1000);
    h.parent(r#"111|{"id":"later","to":"bob@d.example","state":"active"}"#);
    assert_eq!(h.take_parent(), [r#"111|{"id":"later"}"#], "ten a second come back");
}

#[test]
fn while_disconnected_messages_wait_presence_is_kept_and_the_rest_fails() {
    let mut h = Harness::new();
    h.take_parent();
    h.parent(r#"110|{"id":"s1","to":"bob@d.example","body":"x","messageId":"m1"}"#);
    h.parent(r#"111|{"id":"c1","to":"bob@d.example","state":"composing"}"#);
    assert_eq!(h.take_parent(), [r#"111|{"id":"c1","error":{"condition":"not-connected","text":"not connected: try again when the status is connected"}}"#]);
    h.parent(r#"130|{"id":"p1","show":"dnd"}"#);
    assert_eq!(h.take_parent(), [r#"130|{"id":"p1"}"#]);
    h.login("desk");
    let sent = h.take_sent();
    let presence = sent.iter().position(|s| s == "<presence xmlns=\"jabber:client\"><show>dnd</show></presence>").expect("the presence set");
    let message = sent.iter().position(|s| s.contains("<body>x</body>")).expect("the message that waited");
    assert!(presence < message, "{sent:?}");
    assert!(!has(&sent, "<presence xmlns=\"jabber:client\"/>"));
    assert!(has(&h.take_parent(), r#"110|{"id":"s1","messageId":"m1","status":"sent","acked":false}"#));
    // A message that waits longer than 30 s fails.
    h.lose_connection();
    h.parent(r#"110|{"id":"s2","to":"bob@d.example","body":"y","messageId":"m2"}"#);
    h.advance(30_000);
    let p = h.take_parent();
    assert!(has(&p, r#"110|{"id":"s2","messageId":"m2","status":"failed","acked":false,"error":{"condition":"not-connected","text":"not connected: the tunnel could not send the message in time"}}"#), "{p:?}");
    let _ = OPEN;
}

#[test]
fn roster_versioning_fetches_only_changes_after_a_new_session() {
    const FEATURES_VER: &str = "<stream:features xmlns:stream='http://etherx.jabber.org/streams'>\
        <bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/><ver xmlns='urn:xmpp:features:rosterver'/></stream:features>";
    let mut h = Harness::with_config(CFG);
    let login = |h: &mut Harness| {
        h.opened();
        h.server(OPEN);
        h.server(crate::tunnel::FEATURES_PLAIN);
        h.server("<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>");
        h.server(OPEN);
        h.server(FEATURES_VER);
        let id = h.last_id();
        h.server(&format!("<iq xmlns='jabber:client' type='result' id='{id}'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>{OWN}/desk</jid></bind></iq>"));
    };
    h.send_all(&["3|desk", "1|agent1", "5|d.example", "2|secret"]);
    login(&mut h);
    let sent = h.take_sent();
    let fetch = sent_with(&sent, "jabber:iq:roster");
    assert!(fetch.contains("<query xmlns=\"jabber:iq:roster\" ver=\"\"/>"), "versioned, nothing held yet: {fetch}");
    h.server(&format!("<iq xmlns='jabber:client' type='result' id='{}'><query xmlns='jabber:iq:roster' ver='v7'>{BOB}</query></iq>", id_of(fetch)));
    h.take_parent();
    // A new session: the version held goes with the fetch, and "no
    // change" (an empty result) keeps the list.
    h.lose_connection();
    h.advance(1000);
    h.take_sent();
    login(&mut h);
    let sent = h.take_sent();
    let fetch = sent_with(&sent, "jabber:iq:roster");
    assert!(fetch.contains("ver=\"v7\""), "{fetch}");
    h.server(&format!("<iq xmlns='jabber:client' type='result' id='{}'/>", id_of(fetch)));
    let p = h.take_parent();
    assert!(has(&p, r#"123|{"items":[{"jid":"bob@d.example","name":"Bob","subscription":"both","groups":["Team"]}],"full":true}"#), "{p:?}");
}

#[test]
fn a_server_that_refuses_stream_management_leaves_no_message_waiting() {
    let mut h = Harness::with_config(CFG);
    h.login_sm_without_enabled();
    h.im_start("");
    h.parent(r#"110|{"id":"s1","to":"bob@d.example","body":"hi","messageId":"m1"}"#);
    assert!(h.take_parent().is_empty(), "waiting for the ack");
    h.server(&format!("<failed xmlns='{SM}'/>"));
    assert_eq!(h.take_parent(), [r#"110|{"id":"s1","messageId":"m1","status":"sent","acked":false}"#]);
}

#[test]
fn a_new_session_fetches_from_the_archive_what_the_lost_one_missed_once() {
    let mut h = Harness::im(BOB);
    let sid = |id: &str| format!("<stanza-id xmlns='urn:xmpp:sid:0' by='{OWN}' id='{id}'/>");
    h.server(&format!("<message xmlns='jabber:client' from='bob@d.example/x' type='chat' id='m1'><body>one</body>{}</message>", sid("A1")));
    assert_eq!(h.take_parent(), [r#"112|{"messageId":"m1","from":"bob@d.example/x","type":"chat","body":"one","archiveId":"A1"}"#]);
    h.lose_connection();
    h.advance(1000);
    h.take_sent();
    h.take_parent();
    h.finish_login("desk");
    let sent = h.take_sent();
    let q = sent_with(&sent, "urn:xmpp:mam:2");
    assert!(q.contains("<max>100</max><after>A1</after>") && !q.contains("<field var=\"with\">"), "{q}");
    let qid = q.split("queryid=\"").nth(1).unwrap().split('"').next().unwrap().to_string();
    let result = |id: &str, from: &str, body: &str| {
        format!("<message xmlns='jabber:client' from='{OWN}'><result xmlns='urn:xmpp:mam:2' queryid='{qid}' id='{id}'><forwarded xmlns='urn:xmpp:forward:0'>\
                 <delay xmlns='urn:xmpp:delay' stamp='2026-12-01T10:00:00Z'/><message xmlns='jabber:client' from='{from}' to='{OWN}' type='chat' id='x{id}'><body>{body}</body></message></forwarded></result></message>")
    };
    h.server(&result("A2", "bob@d.example/x", "two"));
    h.server(&result("A3", &format!("{OWN}/other"), "from the other desk"));
    h.server(&result("A4", &format!("{OWN}/desk"), "from this desk"));
    h.server(&format!("<iq xmlns='jabber:client' type='result' id='{}'><fin xmlns='urn:xmpp:mam:2'><set xmlns='http://jabber.org/protocol/rsm'><first>A2</first><last>A4</last></set></fin></iq>", id_of(q)));
    let p: Vec<String> = h.take_parent().into_iter().filter(|m| m.starts_with("112|")).collect();
    assert_eq!(p, [
        r#"112|{"messageId":"xA2","from":"bob@d.example/x","to":"agent1@d.example","type":"chat","body":"two","stamp":"2026-12-01T10:00:00Z","archiveId":"A2"}"#,
        r#"112|{"messageId":"xA3","from":"agent1@d.example/other","to":"agent1@d.example","type":"chat","body":"from the other desk","stamp":"2026-12-01T10:00:00Z","carbon":"sent","archiveId":"A3"}"#,
    ]);
    // Not complete: the next page, after the last one.
    let sent = h.take_sent();
    assert!(sent_with(&sent, "urn:xmpp:mam:2").contains("<after>A4</after>"), "{sent:?}");
    // Offline storage delivers A2 as well: relayed once only.
    h.server(&format!("<message xmlns='jabber:client' from='bob@d.example/x' type='chat' id='xA2'><body>two</body>{}<delay xmlns='urn:xmpp:delay' stamp='2026-12-01T10:00:00Z'/></message>", sid("A2")));
    assert!(h.take_parent().is_empty());
}

#[test]
fn a_room_entered_again_after_a_new_session_fetches_what_was_said_meanwhile_once() {
    let mut h = Harness::im(BOB);
    h.parent(&format!(r#"150|{{"id":"j1","room":"{ROOM}","nick":"me"}}"#));
    h.server(&occupant("me", "", "<status code='110'/>"));
    let sid = |id: &str| format!("<stanza-id xmlns='urn:xmpp:sid:0' by='{ROOM}' id='{id}'/>");
    h.server(&format!("<message xmlns='jabber:client' from='{ROOM}/Sup' type='groupchat' id='g1'><body>before</body>{}</message>", sid("R1")));
    let p = h.take_parent();
    assert_eq!(p.last().unwrap(), &format!(r#"112|{{"messageId":"g1","from":"{ROOM}/Sup","type":"groupchat","body":"before","archiveId":"R1"}}"#));
    h.lose_connection();
    h.advance(1000);
    h.take_sent();
    h.finish_login("desk");
    h.take_sent();
    h.take_parent();
    // Back in the room: its archive is asked for what came after R1.
    h.server(&occupant("me", "", "<status code='110'/>"));
    let sent = h.take_sent();
    let q = sent_with(&sent, "urn:xmpp:mam:2");
    assert!(q.contains(&format!("to=\"{ROOM}\"")) && q.contains("<after>R1</after>"), "{q}");
    let qid = q.split("queryid=\"").nth(1).unwrap().split('"').next().unwrap().to_string();
    let result = |from: &str, id: &str, body: &str| {
        format!("<message xmlns='jabber:client' from='{from}'><result xmlns='urn:xmpp:mam:2' queryid='{qid}' id='{id}'><forwarded xmlns='urn:xmpp:forward:0'>\
                 <delay xmlns='urn:xmpp:delay' stamp='2026-12-01T10:00:00Z'/><message xmlns='jabber:client' from='{ROOM}/Sup' type='groupchat'><body>{body}</body></message></forwarded></result></message>")
    };
    h.server(&result("eve@evil.example", "R9", "forged"));
    h.server(&result(ROOM, "R1", "before"));
    h.server(&result(ROOM, "R2", "meanwhile"));
    h.server(&format!("<iq xmlns='jabber:client' type='result' from='{ROOM}' id='{}'><fin xmlns='urn:xmpp:mam:2' complete='true'/></iq>", id_of(q)));
    let p: Vec<String> = h.take_parent().into_iter().filter(|m| m.starts_with("112|") || m.starts_with("13|")).collect();
    assert_eq!(p, [
        "13|ignored an archive result to no query of ours".to_string(),
        format!(r#"112|{{"from":"{ROOM}/Sup","type":"groupchat","body":"meanwhile","stamp":"2026-12-01T10:00:00Z","archiveId":"R2"}}"#),
    ]);
}
