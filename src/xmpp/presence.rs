//! PRESENCE (type 9) relay: `<presence><from>…</from><type>…</type>…</presence>`
//! with every value escaped (the legacy tunnel did not escape).

use super::ns;
use crate::xml::{Element, Writer};

/// The type-9 payload for a received presence stanza; None without `from`.
pub fn relay(p: Element) -> Option<String> {
    let from = p.attr("from")?;
    let mut w = Writer::new();
    w.open("presence");
    w.open("from").text(from).close();
    w.open("type").text(p.attr("type").unwrap_or("")).close();
    for name in ["show", "status"] {
        if let Some(c) = p.child(name, ns::CLIENT) {
            w.open(name).text(c.text()).close();
        }
    }
    Some(w.finish())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xml::{parse, Limits};

    #[test]
    fn relays_escaped() {
        let p = parse("<presence xmlns='jabber:client' from='a@d/r&lt;'><show>away</show><status>at &amp; lunch</status></presence>", &Limits::SERVER).unwrap();
        assert_eq!(
            relay(p.root()).as_deref(),
            Some("<presence><from>a@d/r&lt;</from><type/><show>away</show><status>at &amp; lunch</status></presence>")
        );
        let p = parse("<presence xmlns='jabber:client' from='a@d' type='unavailable'/>", &Limits::SERVER).unwrap();
        assert_eq!(relay(p.root()).as_deref(), Some("<presence><from>a@d</from><type>unavailable</type></presence>"));
        let p = parse("<presence xmlns='jabber:client'/>", &Limits::SERVER).unwrap();
        assert_eq!(relay(p.root()), None);
    }
}
