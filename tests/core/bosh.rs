//! BOSH transcripts: session creation, keeping a request at the server,
//! restart, out-of-order responses, retransmission with the same rid,
//! timeouts, acks and reports, terminate and terminal conditions.

use xmpp_tunnel::transport::bosh::{Bosh, BoshError, BoshEvent, BoshOut};

const RID: u64 = 1000;

fn posts(b: &mut Bosh) -> Vec<(u64, String)> {
    core::iter::from_fn(|| b.poll_output())
        .filter_map(|o| match o {
            BoshOut::Post { rid, body } => Some((rid, body)),
            BoshOut::Abort { .. } => None,
        })
        .collect()
}

fn created(requests: u32) -> Bosh {
    let mut b = Bosh::new("d.example", RID, 1 << 20);
    b.start(0);
    posts(&mut b);
    let ev = b
        .on_response(0, RID, 200, &format!(
            "<body xmlns='http://jabber.org/protocol/httpbind' sid='S1' wait='60' requests='{requests}' hold='1' polling='2' inactivity='30' \
             xmlns:xmpp='urn:xmpp:xbosh' xmpp:version='1.0'><stream:features xmlns:stream='http://etherx.jabber.org/streams'/></body>"))
        .unwrap();
    assert_eq!(ev.len(), 2);
    b
}

/// The names of a `Stanzas` event's stanzas.
fn names(ev: &BoshEvent) -> Vec<String> {
    match ev {
        BoshEvent::Stanzas(d) => d.root().elements().map(|e| e.name().to_string()).collect(),
        e => panic!("not stanzas: {e:?}"),
    }
}

/// A `Terminated` event's condition and the stream error condition it carries.
fn terminated(ev: &BoshEvent) -> (Option<&str>, Option<&str>) {
    let BoshEvent::Terminated(d) = ev else { panic!("not terminated: {ev:?}") };
    let body = d.root();
    let error = body.child("error", "http://etherx.jabber.org/streams").and_then(|e| e.elements().next()).map(|c| c.name());
    (body.attr("condition"), error)
}

#[test]
fn session_creation_and_a_request_kept_at_the_server() {
    let mut b = Bosh::new("d.example", RID, 1 << 20);
    b.start(0);
    assert_eq!(
        posts(&mut b),
        [(RID, "<body xmlns=\"http://jabber.org/protocol/httpbind\" xmlns:xmpp=\"urn:xmpp:xbosh\" content=\"text/xml; charset=utf-8\" \
                to=\"d.example\" xml:lang=\"en\" ver=\"1.6\" xmpp:version=\"1.0\" wait=\"60\" hold=\"1\" ack=\"1\" rid=\"1000\"/>".to_string())]
    );
    let ev = b
        .on_response(5, RID, 200, "<body xmlns='http://jabber.org/protocol/httpbind' sid='S1' wait='60' requests='2' hold='1'>\
                                   <stream:features xmlns:stream='http://etherx.jabber.org/streams'><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/></stream:features></body>")
        .unwrap();
    assert_eq!(ev[0], BoshEvent::StreamOpened);
    assert_eq!(names(&ev[1]), ["features"]);
    assert!(b.is_active());
    // Nothing to say, so an empty request waits at the server for pushes.
    assert_eq!(posts(&mut b), [(1001, "<body xmlns=\"http://jabber.org/protocol/httpbind\" rid=\"1001\" sid=\"S1\"/>".to_string())]);
}

#[test]
fn stanzas_go_in_a_second_request_with_an_ack() {
    let mut b = created(2);
    posts(&mut b);
    b.send(10, "<presence xmlns=\"jabber:client\"/>".into());
    // rid 1001 (the poll) is still at the server: ack says 1000 was the last answered.
    assert_eq!(
        posts(&mut b),
        [(1002, "<body xmlns=\"http://jabber.org/protocol/httpbind\" rid=\"1002\" sid=\"S1\" ack=\"1000\"><presence xmlns=\"jabber:client\"/></body>".to_string())]
    );
    // Never more than `requests` on the wire: a third stanza waits.
    b.send(11, "<iq xmlns=\"jabber:client\" type=\"get\" id=\"a\"/>".into());
    assert!(posts(&mut b).is_empty());
    let ev = b.on_response(20, 1001, 200, "<body xmlns='http://jabber.org/protocol/httpbind'/>").unwrap();
    assert!(ev.is_empty());
    let p = posts(&mut b);
    assert_eq!(p.len(), 1);
    assert!(p[0].1.contains("<iq xmlns=\"jabber:client\" type=\"get\" id=\"a\"/>"));
}

#[test]
fn responses_are_processed_in_rid_order() {
    let mut b = created(2);
    posts(&mut b); // 1001
    b.send(1, "<presence xmlns=\"jabber:client\"/>".into()); // 1002
    posts(&mut b);
    let m = |n: u32| format!("<body xmlns=\"http://jabber.org/protocol/httpbind\"><message xmlns=\"jabber:client\" id=\"m{n}\"/></body>");
    // 1002 completes first: held back until 1001 is in.
    assert!(b.on_response(2, 1002, 200, &m(2)).unwrap().is_empty());
    let ev = b.on_response(3, 1001, 200, &m(1)).unwrap();
    let ids: Vec<_> = ev
        .iter()
        .flat_map(|e| match e {
            BoshEvent::Stanzas(d) => d.root().elements().map(|e| e.attr("id").unwrap().to_string()).collect::<Vec<_>>(),
            _ => panic!(),
        })
        .collect();
    assert_eq!(ids, ["m1", "m2"]);
}

#[test]
fn a_failed_request_is_sent_again_with_the_same_rid() {
    let mut b = created(2);
    let (rid, body) = posts(&mut b).remove(0);
    assert!(b.on_response(1, rid, 0, "").unwrap().is_empty(), "network failure");
    assert!(posts(&mut b).is_empty(), "after a short pause");
    assert_eq!(b.poll_timeout(), Some(501));
    b.on_timeout(501).unwrap();
    assert_eq!(posts(&mut b), [(rid, body.clone())], "byte for byte the same request");
    b.on_response(502, rid, 503, "").unwrap();
    b.on_timeout(2000).unwrap();
    assert_eq!(posts(&mut b), [(rid, body.clone())]);
    b.on_response(2001, rid, 502, "").unwrap();
    b.on_timeout(10_000).unwrap();
    assert_eq!(posts(&mut b), [(rid, body)]);
    assert_eq!(b.on_response(10_001, rid, 0, ""), Err(BoshError::Unreachable { status: 0 }), "bounded: four sends");
}

#[test]
fn an_unanswered_request_is_aborted_and_sent_again() {
    let mut b = created(2);
    let (rid, body) = posts(&mut b).remove(0);
    let deadline = b.poll_timeout().unwrap();
    assert_eq!(deadline, 75_000, "wait 60 s + 15 s margin");
    b.on_timeout(deadline).unwrap();
    let out: Vec<_> = core::iter::from_fn(|| b.poll_output()).collect();
    assert_eq!(out, [BoshOut::Abort { rid }]);
    b.on_timeout(deadline + 500).unwrap();
    assert_eq!(posts(&mut b), [(rid, body)]);
    // A late answer to the aborted send is ignored; the new send's is used.
    assert!(b.on_response(deadline + 600, 9999, 200, "<body xmlns='http://jabber.org/protocol/httpbind'/>").unwrap().is_empty());
}

#[test]
fn restart_after_sasl() {
    let mut b = created(2);
    posts(&mut b);
    b.restart(1);
    let p = posts(&mut b);
    assert_eq!(
        p,
        [(1002, "<body xmlns=\"http://jabber.org/protocol/httpbind\" rid=\"1002\" sid=\"S1\" ack=\"1000\" xmlns:xmpp=\"urn:xmpp:xbosh\" \
                 xmpp:restart=\"true\" to=\"d.example\" xml:lang=\"en\"/>".to_string())]
    );
    // The features come on whichever request the server holds (here the
    // earlier poll, as Prosody does); no header event on a restart.
    let ev = b
        .on_response(2, 1001, 200, "<body xmlns='http://jabber.org/protocol/httpbind'><stream:features xmlns:stream='http://etherx.jabber.org/streams'>\
                                   <bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></stream:features></body>")
        .unwrap();
    assert_eq!(ev.len(), 1);
    assert_eq!(names(&ev[0]), ["features"]);
    assert!(b.on_response(3, 1002, 200, "<body xmlns='http://jabber.org/protocol/httpbind'/>").unwrap().is_empty());
}

#[test]
fn terminate_and_terminal_conditions() {
    let mut b = created(2);
    posts(&mut b);
    b.terminate(1, &["<presence xmlns=\"jabber:client\" type=\"unavailable\"/>".to_string()]);
    let p = posts(&mut b);
    assert_eq!(
        p,
        [(1002, "<body xmlns=\"http://jabber.org/protocol/httpbind\" rid=\"1002\" sid=\"S1\" ack=\"1000\" type=\"terminate\">\
                 <presence xmlns=\"jabber:client\" type=\"unavailable\"/></body>".to_string())]
    );
    b.on_response(2, 1001, 200, "<body xmlns='http://jabber.org/protocol/httpbind'/>").unwrap();
    let ev = b.on_response(3, 1002, 200, "<body xmlns='http://jabber.org/protocol/httpbind'/>").unwrap();
    assert_eq!(ev.len(), 1);
    assert_eq!(terminated(&ev[0]), (None, None));

    let mut b = created(2);
    let (rid, _) = posts(&mut b).remove(0);
    let ev = b.on_response(4, rid, 200, "<body xmlns='http://jabber.org/protocol/httpbind' type='terminate' condition='item-not-found'/>").unwrap();
    assert_eq!(ev.len(), 1);
    assert_eq!(terminated(&ev[0]), (Some("item-not-found"), None));
    assert!(!b.is_active());

    let mut b = created(2);
    let (rid, _) = posts(&mut b).remove(0);
    let ev = b
        .on_response(4, rid, 200, "<body xmlns='http://jabber.org/protocol/httpbind' type='terminate' condition='remote-stream-error'>\
                                   <stream:error xmlns:stream='http://etherx.jabber.org/streams'><conflict xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error></body>")
        .unwrap();
    assert_eq!(terminated(&ev[0]), (Some("remote-stream-error"), Some("conflict")));
    // A terminating body's stanzas are not relayed.
    let mut b = created(2);
    let (rid, _) = posts(&mut b).remove(0);
    let ev = b
        .on_response(4, rid, 200, "<body xmlns='http://jabber.org/protocol/httpbind' type='terminate'><message xmlns='jabber:client'/></body>")
        .unwrap();
    assert_eq!(ev.len(), 1);
    assert_eq!(terminated(&ev[0]), (None, None));
}

#[test]
fn a_report_makes_us_send_that_request_again() {
    let mut b = created(2);
    posts(&mut b); // 1001 at the server
    b.send(1, "<presence xmlns=\"jabber:client\"/>".into());
    let p = posts(&mut b);
    assert_eq!(p[0].0, 1002);
    // The server answers 1002 and reports it never got 1001.
    b.on_response(2, 1002, 200, "<body xmlns='http://jabber.org/protocol/httpbind' report='1001' time='100'/>").unwrap();
    b.on_timeout(2 + 500).unwrap();
    let again = posts(&mut b);
    assert_eq!(again, [(1001, "<body xmlns=\"http://jabber.org/protocol/httpbind\" rid=\"1001\" sid=\"S1\"/>".to_string())]);
}

#[test]
fn bad_responses_are_errors_not_panics() {
    for body in ["", "<body", "<html/>", "<body xmlns=\"urn:other\"/>", "<!DOCTYPE x><body/>"] {
        let mut b = Bosh::new("d.example", RID, 1 << 20);
        b.start(0);
        assert!(b.on_response(1, RID, 200, body).is_err(), "{body:?}");
    }
    let mut b = Bosh::new("d.example", RID, 1 << 20);
    b.start(0);
    assert_eq!(
        b.on_response(1, RID, 200, "<body xmlns='http://jabber.org/protocol/httpbind'/>"),
        Err(BoshError::BadResponse("a session response without sid"))
    );
    // Unknown or repeated rids are ignored.
    let mut b = created(2);
    assert!(b.on_response(1, 424242, 200, "<body/>").unwrap().is_empty());
    assert!(b.on_response(1, RID, 200, "<body/>").unwrap().is_empty());
}

#[test]
fn rids_start_random_but_far_below_2_pow_53() {
    let mut b = Bosh::new("d", u64::MAX, 1 << 20);
    b.start(0);
    let (rid, _) = posts(&mut b).remove(0);
    assert!(rid < 1u64 << 52);
}
