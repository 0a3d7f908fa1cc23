//! Hiding elements of one namespace from a frame, for the console trace:
//! element by element, wherever they sit (a BOSH `<body>` carries SASL
//! elements among others, and declares namespaces of its own).

use quick_xml::events::Event;
use quick_xml::name::ResolveResult;
use quick_xml::reader::NsReader;
use std::borrow::Cow;

/// `frame` with every element in namespace `ns` (and its content) replaced
/// by `placeholder`, but those named in `keep`; None when the frame does not
/// read as XML, so that the caller shows none of it.
pub fn hide_namespace<'a>(frame: &'a str, ns: &str, keep: &[&str], placeholder: &str) -> Option<Cow<'a, str>> {
    if !frame.contains(ns) {
        return Some(Cow::Borrowed(frame));
    }
    let mut reader = NsReader::from_str(frame);
    let (mut out, mut copied) = (String::with_capacity(frame.len()), 0);
    loop {
        let before = usize::try_from(reader.buffer_position()).ok()?;
        let (resolved, event) = reader.read_resolved_event().ok()?;
        let ours = matches!(resolved, ResolveResult::Bound(n) if n.0 == ns);
        let kept = |e: &quick_xml::events::BytesStart| keep.iter().any(|k| e.local_name().as_ref() == *k);
        match event {
            Event::Start(e) if ours => {
                // Skipped whole: a kept element's content stays as it is.
                let end = e.to_end().into_owned();
                reader.read_to_end(end.name()).ok()?;
                if kept(&e) {
                    continue;
                }
            }
            Event::Empty(e) if ours && !kept(&e) => {}
            Event::Eof => break,
            _ => continue,
        }
        let after = usize::try_from(reader.buffer_position()).ok()?;
        out.push_str(frame.get(copied..before)?);
        out.push_str(placeholder);
        copied = after;
    }
    out.push_str(frame.get(copied..)?);
    Some(Cow::Owned(out))
}

#[cfg(test)]
mod tests {
    use super::*;
    const SASL: &str = "urn:ietf:params:xml:ns:xmpp-sasl";

    fn h(frame: &str) -> Option<String> {
        hide_namespace(frame, SASL, &["mechanisms"], "<!-- hidden -->").map(Cow::into_owned)
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
            Some("<body xmlns='http://jabber.org/protocol/httpbind' xmlns:stream='http://etherx.jabber.org/streams'>\
                  <!-- hidden --><iq id='1'/><!-- hidden --></body>")
        );
        // What `keep` names is shown, with its content.
        let features = format!("<stream:features xmlns:stream='http://etherx.jabber.org/streams'><mechanisms xmlns='{SASL}'>\
                                <mechanism>PLAIN</mechanism></mechanisms></stream:features>");
        assert_eq!(h(&features).as_deref(), Some(features.as_str()));
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
