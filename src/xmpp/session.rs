//! Stream negotiation (RFC 6120): features → SASL → restart → bind →
//! (legacy session) → ready. Transport-neutral: it asks for stream (re)opens
//! and sends stanzas; the framing (RFC 7395, BOSH) belongs to the transport.
//!
//! Call order: `new`, then `stream_opened` when the server's stream header
//! arrives, then `element` for every top-level element; drain `poll_output`
//! after each call. Once `is_ready`, `element` hands stanzas back.

use super::ns;
use super::sasl::{self, base64, Derivation, Mechanism, SaslClient, SaslError, Secret};
use super::sm::{self, Resume, NS_SM};
use super::stanza;
use crate::xml::{Element, Writer};

/// What the session asks the transport to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionOut {
    /// Open (or, after SASL, restart) the stream.
    OpenStream,
    Send(String),
    /// Compute what `derivation` asks (SCRAM's keys and proof) and hand it to `derived`.
    Derive,
}

#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SessionError {
    /// The server offers no mechanism we may use.
    NoMechanism,
    Sasl(SaslError),
    /// `<failure>` from the server, with its condition.
    AuthFailed(String),
    /// Resource binding or session establishment refused.
    Bind(String),
    /// `<stream:error>` with its condition and text.
    Stream { condition: String, text: String },
    /// An element that makes no sense at this point of the negotiation.
    Unexpected(&'static str),
}

impl SessionError {
    /// SASL rejected the credentials (spec: status `unauthorized`, no retry).
    pub fn is_auth(&self) -> bool {
        // The page failing to compute SCRAM's proof, or a server asking for
        // too few iterations, says nothing of the password: retried like a
        // lost connection.
        matches!(self, SessionError::AuthFailed(_))
            || matches!(self, SessionError::Sasl(e) if !matches!(e, SaslError::DerivationFailed | SaslError::TooFewIterations(_)))
            || matches!(self, SessionError::Stream { condition, .. } if condition == "not-authorized")
    }
}

/// What a successful step produced for the layer above.
#[derive(Debug, PartialEq)]
pub enum Step<'d> {
    Nothing,
    /// Negotiation finished: bound to this full JID (a new session).
    Ready { jid: String },
    /// The previous session was resumed (XEP-0198); the server had our
    /// stanzas up to `h` (None when it gave no valid count).
    Resumed { h: Option<u32> },
    /// Resumption refused: a new session is being bound (events may have
    /// been lost meanwhile).
    ResumeFailed,
    /// A stanza for the application (only once ready).
    Stanza(Element<'d>),
}

enum State {
    AwaitOpen { restarted: bool },
    AwaitFeatures { restarted: bool },
    Sasl(Box<SaslClient>),
    /// `<resume/>` sent; what the features said, to bind if it fails.
    Resuming { needs_session: bool },
    Bind { id: String, needs_session: bool },
    LegacySession { id: String, jid: String },
    Ready,
}

pub struct Login {
    pub domain: String,
    pub user: String,
    pub password: crate::password::Password,
    /// PLAIN is allowed only over a secure transport or by configuration.
    pub allow_plain: bool,
    /// Random bytes for the SCRAM nonce.
    pub nonce: Vec<u8>,
    /// SCRAM's keys and proof are left to the caller (`SessionOut::Derive`),
    /// which has WebCrypto; otherwise they are computed here (always left to
    /// the caller in a build without the hashes).
    pub derive_elsewhere: bool,
    /// Unicode NFKC, for SASLprep of a SCRAM password (`sasl::Nfkc`).
    pub nfkc: Option<crate::xmpp::sasl::Nfkc>,
    /// Fewest SCRAM iterations accepted (`sasl::MIN_ITERATIONS` but for a
    /// test server).
    pub min_iterations: u32,
}

pub struct Session {
    state: State,
    login: Login,
    /// Requested resource; read when the bind request is sent.
    resource: Option<String>,
    /// The resource we asked for at bind time, once asked.
    bound_request: Option<Option<String>>,
    mechanism: Option<Mechanism>,
    /// What to resume instead of binding, if the server offers SM.
    resume: Option<Resume>,
    /// The server offered XEP-0198 after authentication.
    sm_offered: bool,
    roster_ver: bool,
    out: Vec<SessionOut>,
}

impl Session {
    pub fn new(login: Login, resource: Option<String>, resume: Option<Resume>) -> Session {
        Session {
            state: State::AwaitOpen { restarted: false },
            login,
            resource,
            bound_request: None,
            mechanism: None,
            resume,
            sm_offered: false,
            roster_ver: false,
            out: vec![SessionOut::OpenStream],
        }
    }

    pub fn poll_output(&mut self) -> Option<SessionOut> {
        if self.out.is_empty() {
            None
        } else {
            Some(self.out.remove(0))
        }
    }

    pub fn is_ready(&self) -> bool {
        matches!(self.state, State::Ready)
    }

    /// `<resume/>` sent, its answer not yet in.
    pub fn is_resuming(&self) -> bool {
        matches!(self.state, State::Resuming { .. })
    }

    /// Sets the resource to request. Returns false when binding already
    /// happened with a different request (the caller must start a new session).
    pub fn set_resource(&mut self, resource: Option<String>) -> bool {
        match &self.bound_request {
            Some(asked) => *asked == resource,
            None => {
                self.resource = resource;
                true
            }
        }
    }

    /// The server offered stream management (enable it once ready).
    pub fn sm_offered(&self) -> bool {
        self.sm_offered
    }

    /// RFC 6121 §2.6: the server offers roster versioning.
    pub fn roster_ver_offered(&self) -> bool {
        self.roster_ver
    }

    /// The SASL mechanism chosen, once authentication started.
    pub fn mechanism(&self) -> Option<Mechanism> {
        self.mechanism
    }

    /// The server's stream header (`<open/>`, or a BOSH session response).
    pub fn stream_opened(&mut self) -> Result<(), SessionError> {
        match self.state {
            State::AwaitOpen { restarted } => {
                self.state = State::AwaitFeatures { restarted };
                Ok(())
            }
            _ => Err(SessionError::Unexpected("a stream header in the middle of a stream")),
        }
    }

    pub fn element<'d>(&mut self, el: Element<'d>) -> Result<Step<'d>, SessionError> {
        if el.is("error", ns::STREAM) {
            return Err(stream_error(el));
        }
        match &mut self.state {
            State::Ready => Ok(Step::Stanza(el)),
            State::AwaitOpen { .. } => Err(SessionError::Unexpected("an element before the stream header")),
            State::AwaitFeatures { restarted } => {
                if !el.is("features", ns::STREAM) {
                    return Err(SessionError::Unexpected("an element instead of stream features"));
                }
                if *restarted {
                    self.sm_offered = el.child("sm", NS_SM).is_some();
                    // (Only IM reads it; the legacy page does not pay for it.)
                    #[cfg(feature = "im")]
                    {
                        self.roster_ver = el.child("ver", ns::ROSTER_VER).is_some();
                    }
                    match self.resume.take().filter(|_| self.sm_offered) {
                        Some(r) => {
                            self.out.push(SessionOut::Send(sm::resume_element(&r)));
                            self.state = State::Resuming { needs_session: needs_session(el) };
                        }
                        None => self.bind(needs_session(el)),
                    }
                } else {
                    self.authenticate(el)?;
                }
                Ok(Step::Nothing)
            }
            State::Sasl(client) => {
                if el.ns() != ns::SASL {
                    return Err(SessionError::Unexpected("a stanza during authentication"));
                }
                let data = sasl_data(el)?;
                match el.name() {
                    "challenge" => {
                        let resp = client.step(&data, self.login.derive_elsewhere).map_err(SessionError::Sasl)?;
                        self.respond(resp);
                    }
                    "success" => {
                        client.success(&data).map_err(SessionError::Sasl)?;
                        // Neither the password nor SCRAM's keys (password
                        // equivalents) are needed on this connection any more.
                        self.login.password = Default::default();
                        self.state = State::AwaitOpen { restarted: true };
                        self.out.push(SessionOut::OpenStream);
                    }
                    "failure" => {
                        let cond = el.elements().next().map_or("not-authorized", |c| c.name());
                        return Err(SessionError::AuthFailed(cond.to_string()));
                    }
                    _ => return Err(SessionError::Unexpected("an unknown SASL element")),
                }
                Ok(Step::Nothing)
            }
            State::Resuming { needs_session } => {
                if el.ns() != NS_SM {
                    return Ok(Step::Stanza(el));
                }
                match el.name() {
                    "resumed" => {
                        let h = el.attr("h").and_then(|n| n.parse().ok());
                        self.state = State::Ready;
                        Ok(Step::Resumed { h })
                    }
                    "failed" => {
                        let needs_session = *needs_session;
                        self.bind(needs_session);
                        Ok(Step::ResumeFailed)
                    }
                    _ => Err(SessionError::Unexpected("a stream management element during resumption")),
                }
            }
            // Anything else during binding (a server ping, say) goes up to
            // be answered or relayed like any stanza.
            State::Bind { id, needs_session } => {
                if !is_reply(el, id) {
                    return Ok(Step::Stanza(el));
                }
                if el.attr("type") != Some("result") {
                    return Err(SessionError::Bind(stanza::error_condition(el).to_string()));
                }
                let jid = el
                    .child("bind", ns::BIND)
                    .and_then(|b| b.child("jid", ns::BIND))
                    .map(|j| j.text().to_string())
                    .filter(|j| j.as_bytes().contains(&b'/'))
                    .ok_or(SessionError::Bind("no-jid".into()))?;
                if *needs_session {
                    let id = "sess".to_string();
                    let mut w = stanza::iq("set", &id, None);
                    w.open("session").attr("xmlns", ns::SESSION);
                    self.out.push(SessionOut::Send(w.finish()));
                    self.state = State::LegacySession { id, jid };
                    return Ok(Step::Nothing);
                }
                self.state = State::Ready;
                Ok(Step::Ready { jid })
            }
            State::LegacySession { id, jid } => {
                if !is_reply(el, id) {
                    return Ok(Step::Stanza(el));
                }
                if el.attr("type") != Some("result") {
                    return Err(SessionError::Bind(stanza::error_condition(el).to_string()));
                }
                let jid = std::mem::take(jid);
                self.state = State::Ready;
                Ok(Step::Ready { jid })
            }
        }
    }

    /// The key derivation SCRAM waits for (after `SessionOut::Derive`).
    pub fn derivation(&self) -> Option<Derivation<'_>> {
        match &self.state {
            State::Sasl(client) => client.derivation(),
            _ => None,
        }
    }

    /// The answer `derivation` asked for (anything not of its length:
    /// computed here, where the hashes are). Ignored when nothing waits.
    pub fn derived(&mut self, answer: &[u8]) -> Result<(), SessionError> {
        if let State::Sasl(client) = &mut self.state {
            if client.derivation().is_some() {
                let resp = client.derived(answer).map_err(SessionError::Sasl)?;
                self.respond(Some(resp));
            }
        }
        Ok(())
    }

    /// A SASL `<response/>`, or (None) the request to derive first.
    fn respond(&mut self, resp: Option<Vec<u8>>) {
        self.out.push(match resp {
            Some(r) => SessionOut::Send(sasl_element("response", None, &r)),
            None => SessionOut::Derive,
        });
    }

    fn authenticate(&mut self, features: Element) -> Result<(), SessionError> {
        let mut mech = None;
        if let Some(m) = features.child("mechanisms", ns::SASL) {
            for e in m.elements() {
                if e.name() == "mechanism" {
                    mech = Mechanism::better(mech, e.text(), self.login.allow_plain);
                }
            }
        }
        let mech = mech.ok_or(SessionError::NoMechanism)?;
        let secret = Secret::Password(self.login.password.as_str());
        let mut client = SaslClient::with_normalizer(mech, &self.login.user, secret, &self.login.nonce, self.login.nfkc)
            .map_err(SessionError::Sasl)?;
        client.set_min_iterations(self.login.min_iterations);
        let initial = client.initial_response().map_err(SessionError::Sasl)?;
        self.out.push(SessionOut::Send(sasl_element("auth", Some(mech.name()), &initial)));
        self.mechanism = Some(mech);
        self.state = State::Sasl(Box::new(client));
        Ok(())
    }

    fn bind(&mut self, needs_session: bool) {
        let id = "bind".to_string();
        let mut w = stanza::iq("set", &id, None);
        w.open("bind").attr("xmlns", ns::BIND);
        if let Some(r) = self.resource.as_deref().filter(|r| !r.is_empty()) {
            w.open("resource").text(r).close();
        }
        self.bound_request = Some(self.resource.clone());
        self.out.push(SessionOut::Send(w.finish()));
        self.state = State::Bind { id, needs_session };
    }
}

/// RFC 3921 session: only when offered and not marked optional.
fn needs_session(features: Element) -> bool {
    features.child("session", ns::SESSION).is_some_and(|s| s.child("optional", ns::SESSION).is_none())
}

fn is_reply(el: Element, id: &str) -> bool {
    el.name() == "iq" && el.attr("id") == Some(id) && matches!(el.attr("type"), Some("result" | "error"))
}

/// `<auth/>`, `<response/>`: base64 content, `=` for an empty response.
fn sasl_element(name: &'static str, mechanism: Option<&str>, data: &[u8]) -> String {
    let mut w = Writer::new();
    w.open(name).attr("xmlns", ns::SASL);
    if let Some(m) = mechanism {
        w.attr("mechanism", m);
    }
    if data.is_empty() {
        w.text("=");
    } else {
        w.text(&base64::encode(data));
    }
    w.finish()
}

fn sasl_data(el: Element) -> Result<Vec<u8>, SessionError> {
    sasl::decode_payload(el.text()).map_err(|_| SessionError::Unexpected("SASL data that is not base64"))
}

/// The condition and its text; for `see-other-host` the text is the host
/// the condition element carries (RFC 6120 §4.9.3.19).
fn stream_error(el: Element) -> SessionError {
    let cond = el.elements().find(|c| c.ns() == ns::STREAMS && c.name() != "text");
    let condition = cond.map_or("undefined-condition", |c| c.name()).to_string();
    let text = match cond {
        Some(c) if c.name() == "see-other-host" => c.text(),
        _ => el.child("text", ns::STREAMS).map_or("", |t| t.text()),
    }
    .to_string();
    SessionError::Stream { condition, text }
}

