//! Reconnect-storm benchmark: a native shell over the tunnel's sans-IO core.
//! Runs N tunnels (one thread each) against one XMPP server over RFC 7395
//! WebSockets, reports when all are connected, then records every
//! connection attempt and every return to `connected` while the server is
//! killed and restarted (by the caller, scripts/storm.mjs).
//!
//! Usage: storm <ws-url>[,<ws-url>…] <domain> <sessions> <jitter:on|off> <users> <password-prefix>
//! With several URLs (a cluster's nodes), session i lists them starting at
//! the (i mod n)th, so the sessions spread over the nodes and each fails
//! over to the others. Prints `READY` once all sessions are connected, then
//! on standard input `report` prints a JSON summary; `quit` ends it.

use std::io::{BufRead, ErrorKind};
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tungstenite::client::IntoClientRequest;
use tungstenite::stream::MaybeTlsStream;
use tungstenite::{Message, WebSocket};
use xmpp_tunnel::config::Config;
use xmpp_tunnel::tunnel::{Millis, Output, Tunnel};

type Socket = WebSocket<MaybeTlsStream<TcpStream>>;

#[derive(Default)]
struct Log {
    /// Time (ms since start) of every connection attempt.
    attempts: Vec<Millis>,
    /// Time of every `connected` (after the first).
    reconnected: Vec<Millis>,
}

struct Shared {
    start: Instant,
    log: Mutex<Log>,
    connected: AtomicUsize,
    /// Sessions that ended for good (`conflict`, `unauthorized`,
    /// `disconnected`): they do not come back by themselves.
    ended: Mutex<Vec<String>>,
    stop: AtomicBool,
}

impl Shared {
    fn now(&self) -> Millis {
        self.start.elapsed().as_millis() as Millis
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 7 {
        eprintln!("usage: storm <ws-url> <domain> <sessions> <jitter:on|off> <users> <password-prefix>");
        std::process::exit(2);
    }
    let (url, domain) = (args[1].clone(), args[2].clone());
    let sessions: usize = args[3].parse().unwrap_or(500);
    let jitter = args[4] == "on";
    let users: usize = args[5].parse().unwrap_or(50);
    let prefix = args[6].clone();
    let urls: Vec<&str> = url.split(',').collect();
    let config = |first: usize| {
        let list: Vec<String> = (0..urls.len()).map(|k| format!("\"{}\"", urls[(first + k) % urls.len()])).collect();
        format!(
            r#"{{"allowInsecurePlain":true,"websocket":[{}],"bosh":[],"reconnectJitter":{jitter},
                "reconnectBaseMs":1000,"reconnectMaxMs":30000,"connectTimeoutMs":60000}}"#,
            list.join(",")
        )
    };
    let shared = Arc::new(Shared {
        start: Instant::now(),
        log: Mutex::default(),
        connected: AtomicUsize::new(0),
        ended: Mutex::default(),
        stop: AtomicBool::new(false),
    });
    let mut threads = Vec::new();
    for i in 0..sessions {
        let (shared, config, domain) = (shared.clone(), config(i % urls.len()), domain.clone());
        let user = format!("storm{}", i % users);
        let password = format!("{prefix}{}", i % users);
        threads.push(
            std::thread::Builder::new()
                .stack_size(256 << 10)
                .spawn(move || run(shared, &config, &domain, &user, &password, i))
                .expect("thread"),
        );
        // Log in gradually: the storm under test is the reconnect, not this.
        std::thread::sleep(Duration::from_millis(4));
    }
    while shared.connected.load(Ordering::SeqCst) < sessions {
        std::thread::sleep(Duration::from_millis(50));
    }
    println!("READY {}", shared.now());
    let stdin = std::io::stdin();
    for line in stdin.lock().lines() {
        match line.as_deref().unwrap_or("quit").trim() {
            "report" => println!("{}", report(&shared, sessions)),
            "reset" => *shared.log.lock().unwrap_or_else(|e| e.into_inner()) = Log::default(),
            _ => break,
        }
    }
    shared.stop.store(true, Ordering::SeqCst);
    for t in threads {
        let _ = t.join();
    }
}

/// Peak attempts in 1 s and in 100 ms windows, and when the last session
/// came back. (All sessions lose the server at the same instant, so a one
/// second window hides how jitter spreads the burst; the server feels the
/// 100 ms peak.)
fn report(shared: &Shared, sessions: usize) -> String {
    let log = shared.log.lock().unwrap_or_else(|e| e.into_inner());
    let first = log.attempts.iter().min().copied().unwrap_or(0);
    let peak_in = |window: Millis| {
        let mut buckets = std::collections::BTreeMap::new();
        for a in &log.attempts {
            *buckets.entry((a - first) / window).or_insert(0u32) += 1;
        }
        buckets.values().max().copied().unwrap_or(0)
    };
    let peak = peak_in(1000);
    let peak100 = peak_in(100);
    let back = log.reconnected.len().min(sessions);
    let last_back = log.reconnected.iter().max().map_or(0, |t| t.saturating_sub(first));
    format!(
        r#"{{"attempts":{},"peakAttemptsPerSecond":{},"peakAttemptsPer100ms":{},"reconnected":{},"sessions":{},"allBackAfterMs":{},"connectedNow":{},"ended":{:?}}}"#,
        log.attempts.len(),
        peak,
        peak100,
        back,
        sessions,
        last_back,
        shared.connected.load(Ordering::SeqCst),
        shared.ended.lock().unwrap_or_else(|e| e.into_inner()).join(",")
    )
}

/// One tunnel core and its WebSocket, driven until told to stop.
fn run(shared: Arc<Shared>, config: &str, domain: &str, user: &str, password: &str, index: usize) {
    let (cfg, _) = Config::parse(config);
    // Nonces and jitter: any well-mixed bits will do for a benchmark.
    let mut x: u64 = (index as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ shared.start.elapsed().as_nanos() as u64;
    let entropy = Box::new(move |buf: &mut [u8]| {
        for b in buf.iter_mut() {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            *b = x as u8;
        }
    });
    let mut t = Tunnel::new(cfg, Vec::new(), "http://localhost/tunnel/", entropy);
    let mut socket: Option<(u32, Socket)> = None;
    let mut ever_connected = false;
    let mut is_connected = false;
    t.start(shared.now());
    let resource = format!("r{index}");
    for m in [format!("3|{resource}"), format!("1|{user}"), format!("5|{domain}"), format!("2|{password}")] {
        t.handle_parent(shared.now(), &m);
    }
    while !shared.stop.load(Ordering::SeqCst) {
        while let Some(o) = t.poll_output() {
            match o {
                Output::Open { conn, url } => {
                    shared.log.lock().unwrap_or_else(|e| e.into_inner()).attempts.push(shared.now());
                    match open(&url) {
                        Ok((ws, protocol)) => {
                            socket = Some((conn, ws));
                            t.handle_open(shared.now(), conn, &protocol);
                        }
                        Err(()) => t.handle_closed(shared.now(), conn, 1006),
                    }
                }
                Output::Send { conn, data } => {
                    if let Some((c, ws)) = socket.as_mut().filter(|(c, _)| *c == conn) {
                        if ws.send(Message::text(data)).is_err() {
                            let c = *c;
                            socket = None;
                            t.handle_closed(shared.now(), c, 1006);
                        }
                    }
                }
                Output::Close { conn } => {
                    if socket.as_ref().is_some_and(|(c, _)| *c == conn) {
                        socket = None;
                    }
                }
                Output::Parent(m) => match m.as_str() {
                    "4|connected" => {
                        if ever_connected {
                            shared.log.lock().unwrap_or_else(|e| e.into_inner()).reconnected.push(shared.now());
                        }
                        ever_connected = true;
                        if !is_connected {
                            is_connected = true;
                            shared.connected.fetch_add(1, Ordering::SeqCst);
                        }
                    }
                    "4|reconnecting" | "4|disconnected" | "4|conflict" | "4|unauthorized" => {
                        if m != "4|reconnecting" {
                            shared.ended.lock().unwrap_or_else(|e| e.into_inner()).push(format!("{index}:{}", &m[2..]));
                        }
                        if is_connected {
                            is_connected = false;
                            shared.connected.fetch_sub(1, Ordering::SeqCst);
                        }
                    }
                    _ => {}
                },
                // Only asked of shells that call `derive_elsewhere` (this
                // one does not: the core computes SCRAM's keys itself); a
                // derivation that is asked anyway is answered the same way.
                Output::Derive { conn } => {
                    let answer = t.derivation(conn).map(|d| d.compute()).unwrap_or_default();
                    t.handle_derived(shared.now(), conn, &answer);
                }
                Output::Post { .. } | Output::Abort { .. } | Output::Console(_) => {}
            }
        }
        let now = shared.now();
        let wait = t.poll_timeout().map_or(200, |d| d.saturating_sub(now)).clamp(1, 200);
        match socket.as_mut() {
            Some((conn, ws)) => {
                if let MaybeTlsStream::Plain(s) = ws.get_mut() {
                    let _ = s.set_read_timeout(Some(Duration::from_millis(wait)));
                }
                match ws.read() {
                    Ok(Message::Text(text)) => {
                        let c = *conn;
                        t.handle_message(shared.now(), c, text.as_str());
                    }
                    Ok(_) => {}
                    Err(tungstenite::Error::Io(e)) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
                    Err(_) => {
                        let c = *conn;
                        socket = None;
                        t.handle_closed(shared.now(), c, 1006);
                    }
                }
            }
            None => std::thread::sleep(Duration::from_millis(wait)),
        }
        let now = shared.now();
        if t.poll_timeout().is_some_and(|d| d <= now) {
            t.handle_timeout(now);
        }
    }
}

/// A WebSocket offering the `xmpp` subprotocol; returns the one selected.
/// Bounded like a browser's attempt under the core's connect timeout: a
/// server whose listen queue overflows drops SYNs, and a blocking connect
/// would then hold this thread (and its tunnel's timers) for minutes.
fn open(url: &str) -> Result<(Socket, String), ()> {
    const LIMIT: Duration = Duration::from_secs(10);
    let mut req = url.into_client_request().map_err(|_| ())?;
    req.headers_mut().insert("Sec-WebSocket-Protocol", "xmpp".parse().map_err(|_| ())?);
    let host = req.uri().host().ok_or(())?.to_string();
    let port = req.uri().port_u16().unwrap_or(80);
    let addr = std::net::ToSocketAddrs::to_socket_addrs(&(host.as_str(), port)).map_err(|_| ())?.next().ok_or(())?;
    let tcp = TcpStream::connect_timeout(&addr, LIMIT).map_err(|_| ())?;
    tcp.set_read_timeout(Some(LIMIT)).map_err(|_| ())?;
    tcp.set_write_timeout(Some(LIMIT)).map_err(|_| ())?;
    let (ws, resp) = tungstenite::client(req, MaybeTlsStream::Plain(tcp)).map_err(|_| ())?;
    let protocol = resp
        .headers()
        .get("Sec-WebSocket-Protocol")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    Ok((ws, protocol))
}
