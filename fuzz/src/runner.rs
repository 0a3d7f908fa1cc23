//! Runs one target: its regressions and seeds replayed, then generated
//! inputs on several threads, each input timed and run under
//! `catch_unwind`. A watchdog thread samples the process's resident memory
//! and ends the process when an input never returns (saving it first).

use crate::corpus::Corpus;
use crate::rng::{fnv, mix, Rng};
use crate::targets::Target;
use std::cell::{Cell, RefCell};
use std::collections::HashSet;
use std::panic::{self, AssertUnwindSafe};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::sync::{Mutex, Once};
use std::time::{Duration, Instant};

#[derive(Debug, Clone)]
pub struct Options {
    /// Generated inputs (regressions and seeds are replayed on top).
    pub inputs: u64,
    pub seed: u64,
    pub threads: usize,
    /// One input taking longer than this is a hang: wall time, or for a
    /// slow input the thread's CPU time, fastest of three tries.
    pub hang_ms: u64,
    /// An input still running after this is stuck: saved, and the process ends.
    pub stuck_ms: u64,
    /// Resident memory may grow this much over its level after warm-up.
    pub max_rss_growth: u64,
    /// Save failing inputs under `regressions/`.
    pub save: bool,
    /// Print progress every few seconds.
    pub progress: bool,
    /// Measure the CPU time of the slowest inputs again at the end (up to
    /// a few seconds a target).
    pub measure_slowest: bool,
}

impl Default for Options {
    fn default() -> Options {
        // Unoptimized (the slice under `cargo test`), the core is some ten
        // times slower: the threshold scales with it.
        let optimized = !matches!(env!("FUZZ_OPT_LEVEL"), "0" | "1");
        Options {
            inputs: 10_000,
            seed: 1,
            threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
            hang_ms: if optimized { 100 } else { 1000 },
            stuck_ms: 20_000,
            max_rss_growth: 64 << 20,
            save: false,
            progress: false,
            measure_slowest: false,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Panic,
    Hang,
    Property,
    Memory,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::Panic => "panic",
            Kind::Hang => "hang",
            Kind::Property => "property",
            Kind::Memory => "memory",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Failure {
    pub kind: Kind,
    pub message: String,
    /// Where the input came from: a file, or `seed S index N`.
    pub source: String,
    /// The input (cut short for printing).
    pub input: String,
    pub saved: Option<PathBuf>,
}

#[derive(Debug, Clone, Default)]
pub struct Report {
    pub target: &'static str,
    /// Regression and seed files run as they are.
    pub replayed: u64,
    pub inputs: u64,
    pub elapsed: Duration,
    pub max_time: Duration,
    /// The slowest generated input in CPU time (`seed S index N`), of
    /// those slowest in wall time, measured again at the end of the run
    /// (wall time includes whatever else the machine was doing).
    pub slowest: String,
    pub slowest_cpu: Option<Duration>,
    /// Inputs over the hang threshold once but not on a second try
    /// (a busy machine), not counted as hangs.
    pub slow_once: u64,
    pub panics: u64,
    pub hangs: u64,
    pub properties: u64,
    /// Resident memory's floor after warm-up, at the end, and its peak.
    pub rss_baseline: u64,
    pub rss_end: u64,
    pub rss_max: u64,
    /// Enough samples for the floors to mean something.
    pub rss_measured: bool,
    /// The first failure of each distinct message.
    pub failures: Vec<Failure>,
}

impl Report {
    pub fn failed(&self) -> bool {
        self.panics + self.hangs + self.properties > 0 || !self.failures.is_empty()
    }

    pub fn rss_growth(&self) -> u64 {
        self.rss_end.saturating_sub(self.rss_baseline)
    }

    pub fn summary(&self) -> String {
        let secs = self.elapsed.as_secs_f64().max(1e-9);
        format!(
            "{:<10} {:>11} inputs (+{} replayed) in {:>7.1} s ({:>8.0}/s)  max {:>7.2} ms/input wall  panics {}  hangs {}  \
             property failures {}  slow-once {}  RSS growth {} (peak {:.0} MB)  slowest {} ms CPU ({})",
            self.target,
            self.inputs,
            self.replayed,
            secs,
            self.inputs as f64 / secs,
            self.max_time.as_secs_f64() * 1e3,
            self.panics,
            self.hangs,
            self.properties,
            self.slow_once,
            if self.rss_measured { format!("{:.1} MB", self.rss_growth() as f64 / (1 << 20) as f64) } else { "n/a (short run)".into() },
            self.rss_max as f64 / (1 << 20) as f64,
            self.slowest_cpu.map_or("?".into(), |c| format!("{:.2}", c.as_secs_f64() * 1e3)),
            self.slowest,
        )
    }
}

/// The RNG seed of input `index` of a run: independent of the thread that
/// runs it, so `--index` reproduces any input of any run.
pub fn input_seed(seed: u64, target: &str, index: u64) -> u64 {
    mix(mix(seed ^ fnv(target.as_bytes())).wrapping_add(mix(index)))
}

thread_local! {
    /// The message of the last panic on this thread, taken by the runner.
    static PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
    /// This thread runs an input: its panics are the runner's to report.
    static RUNNING: Cell<bool> = const { Cell::new(false) };
}

/// Panics of inputs are recorded rather than printed (thousands may panic
/// the same way); the runner reports them. Other panics print as usual.
fn install_panic_hook() {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let usual = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if !RUNNING.with(Cell::get) {
                return usual(info);
            }
            let msg = info
                .payload()
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| info.payload().downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "(non-string panic payload)".into());
            let at = info.location().map(|l| format!("{}:{}", l.file(), l.line())).unwrap_or_default();
            PANIC.with(|p| *p.borrow_mut() = Some(format!("panicked at {at}: {msg}")));
        }));
    });
}

/// Resident memory in bytes (Linux; 0 elsewhere).
pub fn rss() -> u64 {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1).and_then(|p| p.parse::<u64>().ok()))
        .map_or(0, |pages| pages * 4096)
}

/// What a worker is running, for the watchdog: `since` is 0 when idle,
/// else milliseconds since the run started, plus one.
struct Slot {
    since: AtomicU64,
    index: AtomicU64,
    /// A replayed file, when that is what runs.
    file: Mutex<Option<String>>,
}

struct Shared {
    start: Instant,
    slots: Vec<Slot>,
    done: AtomicU64,
    stop: AtomicBool,
    /// (inputs done, resident bytes), sampled after warm-up.
    rss: Mutex<Vec<(u64, u64)>>,
    report: Mutex<Report>,
    seen: Mutex<HashSet<String>>,
    /// (wall time, index) of the slowest generated inputs, slowest first.
    slowest: Mutex<Vec<(Duration, u64)>>,
}

/// Inputs measured again for their CPU time at the end of a run.
const SLOWEST_KEPT: usize = 16;

impl Shared {
    fn now_ms(&self) -> u64 {
        self.start.elapsed().as_millis() as u64 + 1
    }

    /// Keeps the inputs slowest in wall time (to measure again at the end);
    /// returns the least time that still enters the list.
    fn slowest(&self, time: Duration, index: u64) -> Duration {
        let Ok(mut list) = self.slowest.lock() else { return Duration::MAX };
        if let Ok(mut r) = self.report.lock() {
            r.max_time = r.max_time.max(time);
        }
        list.push((time, index));
        list.sort_by_key(|&(t, _)| std::cmp::Reverse(t));
        list.truncate(SLOWEST_KEPT);
        if list.len() < SLOWEST_KEPT { Duration::ZERO } else { list.last().map_or(Duration::ZERO, |l| l.0) }
    }

    /// Counts a failure; keeps (and saves) the first of each message.
    fn fail<T: Target>(&self, t: &T, corpus: &Corpus, opts: &Options, f: (Kind, String, String), input: &T::Input) {
        let (kind, message, source) = f;
        if let Ok(mut r) = self.report.lock() {
            match kind {
                Kind::Panic => r.panics += 1,
                Kind::Hang => r.hangs += 1,
                Kind::Property | Kind::Memory => r.properties += 1,
            }
        }
        let key = format!("{}: {}", kind.as_str(), message.lines().next().unwrap_or(""));
        let first = self.seen.lock().map(|mut s| s.len() < 50 && s.insert(key)).unwrap_or(false);
        if !first {
            return;
        }
        let text = t.encode(input);
        let saved = if opts.save && !source.starts_with("file ") {
            corpus.save_regression(T::NAME, kind.as_str(), T::EXT, &text).ok()
        } else {
            None
        };
        let failure = Failure { kind, message: cut(&message, 4000), source, input: cut(&text, 2000), saved };
        eprintln!("\n[{}] {}", T::NAME, describe(&failure));
        if let Ok(mut r) = self.report.lock() {
            r.failures.push(failure);
        }
    }
}

pub fn describe(f: &Failure) -> String {
    let saved = f.saved.as_ref().map(|p| format!("\n  saved as {}", p.display())).unwrap_or_default();
    format!("{} ({}): {}\n  input: {:?}{saved}", f.kind.as_str(), f.source, f.message, f.input)
}

fn cut(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    format!("{}… ({} bytes)", &s[..floor_boundary(s, max)], s.len())
}

/// The last char boundary of `s` at or before `max`
/// (`str::floor_char_boundary`, newer than this crate's Rust).
pub(crate) fn floor_boundary(s: &str, max: usize) -> usize {
    let mut end = max.min(s.len());
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    end
}

/// One input: its wall time, and what failed. An input over the hang limit
/// is tried again, and its thread's CPU time decides (other processes on a
/// busy machine take wall time, not ours), fastest of three tries.
fn attempt<T: Target>(t: &T, input: &T::Input, hang: Duration) -> (Duration, Option<(Kind, String)>) {
    let once = || {
        RUNNING.with(|r| r.set(true));
        let t0 = Instant::now();
        let r = panic::catch_unwind(AssertUnwindSafe(|| t.run(input)));
        let time = t0.elapsed();
        RUNNING.with(|r| r.set(false));
        (time, r)
    };
    let (wall, r) = once();
    let failed = match r {
        Ok(Ok(())) => None,
        Ok(Err(what)) => Some((Kind::Property, what)),
        Err(_) => Some((Kind::Panic, PANIC.with(|p| p.borrow_mut().take()).unwrap_or_default())),
    };
    if failed.is_some() || wall <= hang {
        return (wall, failed);
    }
    let mut least = wall;
    for _ in 0..3 {
        let cpu = thread_cpu();
        let again = once().0;
        let spent = match (cpu, thread_cpu()) {
            (Some(a), Some(b)) => b.saturating_sub(a),
            _ => again,
        };
        least = least.min(spent);
        if least <= hang {
            break;
        }
    }
    let failed = (least > hang).then(|| (Kind::Hang, format!("{:.1} ms for one input (limit {} ms)", least.as_secs_f64() * 1e3, hang.as_millis())));
    (wall, failed)
}

/// The CPU time of one run of `input`: runs repeated until they add up
/// to a measurable 200 ms (or 1000 runs), averaged.
fn cpu_per_run<T: Target>(t: &T, input: &T::Input) -> Option<Duration> {
    let start = thread_cpu()?;
    let mut runs = 0u32;
    while runs < 1000 {
        RUNNING.with(|r| r.set(true));
        let _ = panic::catch_unwind(AssertUnwindSafe(|| t.run(input)));
        RUNNING.with(|r| r.set(false));
        runs += 1;
        if thread_cpu()?.saturating_sub(start) >= Duration::from_millis(200) {
            break;
        }
    }
    Some(thread_cpu()?.saturating_sub(start) / runs)
}

/// CPU time of this thread so far (Linux, to 10 ms), from /proc.
fn thread_cpu() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").ok()?;
    // After the command name, which may hold spaces: state, then utime and
    // stime at positions 11 and 12, in clock ticks (USER_HZ, 100 on Linux).
    let mut fields = stat.rsplit_once(')')?.1.split_whitespace().skip(11);
    let ticks = fields.next()?.parse::<u64>().ok()? + fields.next()?.parse::<u64>().ok()?;
    Some(Duration::from_millis(ticks * 10))
}

pub fn run<T: Target>(t: &T, corpus: &Corpus, opts: &Options) -> Report {
    install_panic_hook();
    let threads = opts.threads.max(1);
    let shared = Shared {
        start: Instant::now(),
        slots: (0..threads).map(|_| Slot { since: AtomicU64::new(0), index: AtomicU64::new(0), file: Mutex::new(None) }).collect(),
        done: AtomicU64::new(0),
        stop: AtomicBool::new(false),
        rss: Mutex::new(Vec::new()),
        report: Mutex::new(Report { target: T::NAME, ..Report::default() }),
        seen: Mutex::new(HashSet::new()),
        slowest: Mutex::new(Vec::new()),
    };
    let hang = Duration::from_millis(opts.hang_ms);
    let slow_once = AtomicU64::new(0);

    std::thread::scope(|s| {
        s.spawn(|| watchdog(t, corpus, opts, &shared));

        // Saved failures and seeds first, as they are.
        let mut files = corpus.regressions(T::NAME);
        files.extend(corpus.seed_files(T::NAME));
        let replayed = files.len() as u64;
        let slot = shared.slots.first();
        for (path, text) in files {
            let input = t.decode(&text).unwrap_or_else(|| t.seed_input(&text));
            let source = format!("file {}", path.display());
            if let Some(slot) = slot {
                if let Ok(mut f) = slot.file.lock() {
                    *f = Some(source.clone());
                }
                slot.since.store(shared.now_ms(), Relaxed);
            }
            let (time, failed) = attempt(t, &input, hang);
            if let Some(slot) = slot {
                slot.since.store(0, Relaxed);
            }
            if let Ok(mut r) = shared.report.lock() {
                r.max_time = r.max_time.max(time);
            }
            if let Some((kind, msg)) = failed {
                shared.fail(t, corpus, opts, (kind, msg, source), &input);
            }
        }
        if let Some(slot) = slot {
            if let Ok(mut f) = slot.file.lock() {
                *f = None;
            }
        }
        if let Ok(mut r) = shared.report.lock() {
            r.replayed = replayed;
        }
        let generated = Instant::now();

        // Then generated inputs, input i on thread i mod threads.
        std::thread::scope(|w| {
            for (k, slot) in shared.slots.iter().enumerate() {
                let (shared, slow_once) = (&shared, &slow_once);
                w.spawn(move || {
                    let mut enters = Duration::ZERO;
                    let mut pending = 0u64;
                    let mut index = k as u64;
                    while index < opts.inputs {
                        let input = t.generate(&mut Rng::new(input_seed(opts.seed, T::NAME, index)));
                        slot.index.store(index, Relaxed);
                        slot.since.store(shared.now_ms(), Relaxed);
                        let (time, failed) = attempt(t, &input, hang);
                        slot.since.store(0, Relaxed);
                        if time > enters {
                            enters = shared.slowest(time, index);
                        }
                        if time > hang && failed.is_none() {
                            slow_once.fetch_add(1, Relaxed);
                        }
                        if let Some((kind, msg)) = failed {
                            let source = format!("seed {} index {index}", opts.seed);
                            shared.fail(t, corpus, opts, (kind, msg, source), &input);
                        }
                        pending += 1;
                        if pending == 256 {
                            shared.done.fetch_add(pending, Relaxed);
                            pending = 0;
                        }
                        index += threads as u64;
                    }
                    shared.done.fetch_add(pending, Relaxed);
                });
            }
        });
        if let Ok(mut r) = shared.report.lock() {
            r.elapsed = generated.elapsed();
        }
        shared.stop.store(true, Relaxed);
    });

    let mut report = shared.report.lock().map(|r| r.clone()).unwrap_or_default();
    // The slowest in wall time, measured again in CPU time: the machine may
    // have been busy with something else.
    let kept = if opts.measure_slowest { shared.slowest.lock().map(|l| l.clone()).unwrap_or_default() } else { Vec::new() };
    for (_, i) in kept {
        let input = t.generate(&mut Rng::new(input_seed(opts.seed, T::NAME, i)));
        let cpu = cpu_per_run(t, &input);
        if cpu > report.slowest_cpu {
            report.slowest_cpu = cpu;
            report.slowest = format!("seed {} index {i}", opts.seed);
        }
    }
    report.inputs = shared.done.load(Relaxed);
    report.slow_once = slow_once.load(Relaxed);
    if let Ok(samples) = shared.rss.lock() {
        (report.rss_baseline, report.rss_end, report.rss_max) = floors(&samples);
        report.rss_measured = samples.len() >= MIN_RSS_SAMPLES;
        if !report.rss_measured {
            report.rss_end = report.rss_baseline;
        }
    }
    if report.rss_growth() > opts.max_rss_growth {
        report.failures.push(Failure {
            kind: Kind::Memory,
            message: format!(
                "resident memory's floor grew {:.1} MB over the run (limit {} MB)",
                report.rss_growth() as f64 / (1 << 20) as f64,
                opts.max_rss_growth >> 20
            ),
            source: "the whole run".into(),
            input: String::new(),
            saved: None,
        });
    }
    report
}

/// Samples (50 ms apart) below which a run is too short for the floors.
const MIN_RSS_SAMPLES: usize = 100;

/// Resident memory's floor at the start and at the end of a run (the least
/// of the first and of the last quarter of the samples), and its peak. A
/// leak raises the floor; one big input only makes a peak, which the
/// allocator may keep for a while.
fn floors(samples: &[(u64, u64)]) -> (u64, u64, u64) {
    let (Some(&(first, _)), Some(&(last, _))) = (samples.first(), samples.last()) else { return (0, 0, 0) };
    let quarter = (last - first) / 4;
    let least = |keep: &dyn Fn(u64) -> bool| samples.iter().filter(|(d, _)| keep(*d)).map(|&(_, r)| r).min().unwrap_or(0);
    let start = least(&|d| d <= first + quarter);
    let end = least(&|d| d >= last - quarter);
    let peak = samples.iter().map(|&(_, r)| r).max().unwrap_or(0);
    (start, end, peak)
}

/// Samples memory; reports progress; ends the process on a stuck input.
fn watchdog<T: Target>(t: &T, corpus: &Corpus, opts: &Options, shared: &Shared) {
    let warmup = (opts.inputs / 20).min(100_000);
    let mut last_print = Instant::now();
    while !shared.stop.load(Relaxed) {
        std::thread::sleep(Duration::from_millis(50));
        let done = shared.done.load(Relaxed);
        if done >= warmup.max(1) {
            if let Ok(mut v) = shared.rss.lock() {
                v.push((done, rss()));
            }
        }
        if opts.progress && last_print.elapsed() >= Duration::from_secs(10) {
            last_print = Instant::now();
            let secs = shared.start.elapsed().as_secs_f64();
            eprintln!("[{}] {done} / {} inputs, {secs:.0} s, RSS {:.1} MB", T::NAME, opts.inputs, rss() as f64 / (1 << 20) as f64);
        }
        let now = shared.now_ms();
        for slot in &shared.slots {
            let since = slot.since.load(Relaxed);
            if since == 0 || now.saturating_sub(since) < opts.stuck_ms {
                continue;
            }
            // An input that never returns: keep it, say so, and stop.
            let file = slot.file.lock().ok().and_then(|f| f.clone());
            let (source, saved) = match file {
                Some(f) => (f, None),
                None => {
                    let index = slot.index.load(Relaxed);
                    let input = t.generate(&mut Rng::new(input_seed(opts.seed, T::NAME, index)));
                    let saved = corpus.save_regression(T::NAME, "stuck", T::EXT, &t.encode(&input)).ok();
                    (format!("seed {} index {index}", opts.seed), saved)
                }
            };
            eprintln!(
                "\n[{}] stuck: an input has run for over {} ms ({source}){}",
                T::NAME,
                opts.stuck_ms,
                saved.map(|p| format!("; saved as {}", p.display())).unwrap_or_default()
            );
            std::process::exit(3);
        }
    }
}
