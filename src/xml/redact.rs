//! Hiding elements of one namespace from a frame, for the console trace:
//! element by element, wherever they sit (a BOSH `<body>` carries SASL
//! elements among others, and declares namespaces of its own). The frame
//! is read as the tunnel reads it and written again without them.

use super::element::Hide;
use super::{parse, Limits};
use std::borrow::Cow;

/// `frame` with every element in namespace `ns` (and its content) replaced
/// by the comment `<!--placeholder-->`, but those named `keep`; None when
/// the frame does not read as XML, so that the caller shows none of it.
pub fn hide_namespace<'a>(frame: &'a str, ns: &str, keep: &str, placeholder: &str) -> Option<Cow<'a, str>> {
    if !frame.contains(ns) {
        return Some(Cow::Borrowed(frame));
    }
    let doc = parse(frame, &Limits::SERVER).ok()?;
    let mut out = String::with_capacity(frame.len());
    doc.root().write_hiding(&mut out, &Hide { ns, keep, placeholder });
    Some(Cow::Owned(out))
}

#[cfg(test)]
mod tests {
    use super::*;
    const SASL: &str = "urn:ietf:params:xml:ns:xmpp-sasl";

    fn h(frame: &str) -> Option<String> {
        hide_namespace(frame, SASL, "mechanisms", " hidden ").map(Cow::into_owned)
    }

    #[test]
    fn hides_every_element_of_the_namespace_and_keeps_the_rest() {
        assert_eq!(h("<a/>").as_deref(), Some("<a/>"));
        assert_eq!(h(&format!("<auth xmlns='{SASL}' mechanism='PLAIN'>AGEAYg==</auth>")).as_deref(), Some("<!-- hidden -->"));
        let body = format!(
            "<body xmlns='http://jabber.org/protocol/httpbind' xmlns:stream='http://etherx.jabber.org/streams'>\
             <challenge xmlns='{SASL}'>cj1zZWNyZXQ=</challenge><iq id='1'/><s:success xmlns:s='{SASL}'/></body>"
        );
        assert_eq!(
            h(&body).as_deref(),
            Some("<body xmlns=\"http://jabber.org/protocol/httpbind\"><!-- hidden --><iq id=\"1\"/><!-- hidden --></body>")
        );
        // What `keep` names is shown, with its content.
        let features = format!("<stream:features xmlns:stream='http://etherx.jabber.org/streams'><mechanisms xmlns='{SASL}'>\
                                <mechanism>PLAIN</mechanism></mechanisms></stream:features>");
        assert_eq!(
            h(&features).as_deref(),
            Some(format!("<features xmlns=\"http://etherx.jabber.org/streams\"><mechanisms xmlns=\"{SASL}\"><mechanism>PLAIN</mechanism></mechanisms></features>").as_str())
        );
        // The namespace's name as text of another element is just text.
        let chat = format!("<message><body>{SASL}</body></message>");
        assert_eq!(h(&chat).as_deref(), Some(chat.as_str()));
    }

    #[test]
    fn what_does_not_read_is_not_shown() {
        assert_eq!(h(&format!("<challenge xmlns='{SASL}'>secret")), None);
        assert_eq!(h(&format!("<a><challenge xmlns='{SASL}'>x</b></a>")), None);
    }
}
