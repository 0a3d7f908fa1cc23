// The benchmark's parent page (origin P). It embeds the three tunnel pages
// (origin T) in hidden iframes, drives them with the Finesse protocol, asks
// the server (/ctl/burst, same origin as this page) to send notifications to
// one tunnel at a time, and checks every delivered message byte for byte
// against what it must be (the shared generator in notifications.mjs):
// loss, duplicates, order, content, latency. Nothing here is automated from
// outside: results go back to the runner by POST.
import { expectedEvent, notificationStanza, parseMark, NODE } from "/bench/notifications.mjs";
import { USER, PASSWORD, DOMAIN, PUBSUB } from "/bench/account.mjs";

const runId = new URLSearchParams(location.search).get("run");
const post = (path, body = {}) =>
  fetch(path, { method: "POST", body: JSON.stringify({ run: runId, ...body }) }).then((r) => r.json());
const progress = (text) => post("/ctl/progress", { text });
let logs = []; // 13| LOGGING lines, sent to the runner in batches (never one POST per line)
let failed = false;
const fail = (e) => {
  if (failed) return;
  failed = true;
  flushLogs();
  post("/ctl/fail", { error: String((e && e.stack) || e) });
};
addEventListener("error", (e) => fail(e.error || e.message));
addEventListener("unhandledrejection", (e) => fail(e.reason));

const absNow = () => performance.timeOrigin + performance.now();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const plan = await (await fetch(`/ctl/plan?run=${encodeURIComponent(runId)}`)).json();
const T = plan.tunnelOrigin;

function flushLogs() {
  if (!logs.length) return;
  const lines = logs;
  logs = [];
  post("/ctl/log", { lines });
}
// (The cold-connect run posts nothing while it measures: its network is the emulated link.)
if (plan.mode !== "cold") setInterval(flushLogs, 1000);

/** One tunnel iframe and everything it posted. */
class Frame {
  constructor(spec, resource) {
    this.key = spec.key;
    this.raw = spec.kind === "raw";
    this.resource = resource;
    this.jid = `${USER}@${DOMAIN}/${resource}`;
    this.control = [];
    this.controlAt = []; // arrival times (performance.now()) of the control messages
    this.waiters = new Set();
    this.probes = new Map();
    this.round = null;
    this.stray = 0;
    this.iframe = document.createElement("iframe");
    hide(this.iframe);
    this.iframe.src = T + spec.path;
    document.body.append(this.iframe);
    this.window = this.iframe.contentWindow;
    frames.set(this.window, this);
  }
  send(...msgs) {
    for (const m of msgs) this.window.postMessage(m, T);
  }
  remove() {
    frames.delete(this.window);
    this.iframe.remove();
  }
  onMessage(data) {
    if (typeof data === "string") {
      // Hot path first: an EVENT (or, from the ceiling, a raw stanza).
      if (this.raw ? data.charCodeAt(0) === 60 : data.charCodeAt(0) === 48 && data.charCodeAt(1) === 124) {
        return this.onEvent(data);
      }
      if (data.startsWith("13|")) return void logs.push({ tunnel: this.key, resource: this.resource, text: data.slice(3) });
      this.control.push(data);
      this.controlAt.push(performance.now());
      for (const w of this.waiters) if (w.pred(data)) { this.waiters.delete(w); w.resolve(this.control.length - 1); }
    } else if (data && data.benchProbe === "memory") {
      this.probes.get(data.id)?.(data);
    }
  }
  onEvent(data) {
    const t = absNow();
    const r = this.round;
    if (!r) { this.stray++; return; }
    r.received++;
    const m = parseMark(data);
    if (m === null) {
      r.mismatch++;
      r.sample ??= { note: "no mark", got: data.slice(0, 300) };
      return;
    }
    const i = m.seq - r.first;
    if (i < 0 || i >= r.n) { r.foreign++; return; }
    const want = this.raw ? notificationStanza(m.seq, m.ts, this.jid) : expectedEvent(m.seq, m.ts);
    if (data !== want) {
      r.mismatch++;
      r.sample ??= diffSample(data, want);
    }
    if (r.seen[i]) { r.dup++; return; }
    r.seen[i] = 1;
    if (m.seq < r.maxSeq) r.reorder++;
    else r.maxSeq = m.seq;
    r.lat[r.unique++] = t - Number(m.ts);
    if (r.unique === 1) r.tFirst = t;
    r.tLast = t;
    if (r.unique === r.n) r.resolve();
  }
  /** The first control message (already received or to come) matching `pred`: { data, at }. */
  waitFor(pred, what, timeoutMs = plan.stepTimeoutMs) {
    const entry = (i) => ({ data: this.control[i], at: this.controlAt[i] });
    const found = this.control.findIndex(pred);
    if (found >= 0) return Promise.resolve(entry(found));
    return new Promise((resolve, reject) => {
      const w = { pred, resolve: (i) => { clearTimeout(timer); resolve(entry(i)); } };
      const timer = setTimeout(() => {
        this.waiters.delete(w);
        reject(new Error(`${this.key} (${this.resource}): no ${what} within ${timeoutMs} ms; it posted: ${JSON.stringify(this.control)}`));
      }, timeoutMs);
      this.waiters.add(w);
    });
  }
  /** Memory figures from the probe in this frame (after its gc()). */
  probe() {
    const id = Math.random().toString(36).slice(2);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.key}: no memory probe answer`)), 10000);
      this.probes.set(id, (d) => { clearTimeout(timer); this.probes.delete(id); resolve(d); });
      this.window.postMessage({ benchProbe: "memory", id }, T);
    });
  }
}

// Hidden, as Finesse embeds its tunnel (plan.iframeStyle "visible": a 1×1 frame, for comparison).
function hide(iframe) {
  if (plan.iframeStyle === "visible") iframe.style.cssText = "width:1px;height:1px;border:0";
  else iframe.style.display = "none";
}

function diffSample(got, want) {
  let at = 0;
  while (at < got.length && got[at] === want[at]) at++;
  return { at, gotLength: got.length, wantLength: want.length, got: got.slice(Math.max(0, at - 60), at + 100), want: want.slice(Math.max(0, at - 60), at + 100) };
}

const frames = new Map(); // contentWindow → Frame
addEventListener("message", (e) => {
  if (e.origin !== T) return;
  const f = frames.get(e.source);
  if (f) f.onMessage(e.data);
});

/**
 * Creates a tunnel iframe and logs it in (the finesse.js order, with the
 * resource first and the pubsub service before the password), optionally
 * subscribing. Times are from creating the iframe.
 */
async function openTunnel(spec, resource, subscribe) {
  const t0 = performance.now();
  const t0Abs = performance.timeOrigin + t0;
  const f = new Frame(spec, resource);
  const loaded = await f.waitFor((m) => m === "4|loaded", "4|loaded");
  const loadedMs = loaded.at - t0;
  f.send(`3|${resource}`);
  if (!f.raw) f.send(`1|${USER}`, `5|${DOMAIN}`, `6|${PUBSUB}`, `2|${PASSWORD}`);
  const status = await f.waitFor((m) => /^4\|(connected|unauthorized|conflict|disconnected)$/.test(m), "4|connected");
  if (status.data !== "4|connected") throw new Error(`${spec.key}: ${status.data} instead of 4|connected; it posted: ${JSON.stringify(f.control)}`);
  const connectMs = status.at - t0;
  if (subscribe) {
    f.send(`7|${NODE}`);
    const reply = await f.waitFor((m) => m.startsWith("7|"), "7| reply");
    if (reply.data !== `7|${NODE}`) throw new Error(`${spec.key}: subscribe failed: ${reply.data}`);
  }
  return { f, loadedMs, connectMs, t0Abs };
}

let nextSeq = 0;

/** One burst or paced stream to one tunnel, until every event is in or it stalls. */
async function runRound(f, mode, n, rate) {
  const first = nextSeq;
  nextSeq += n;
  const r = {
    tunnel: f.key, mode, first, n, rate: mode === "paced" ? rate : null,
    received: 0, unique: 0, dup: 0, reorder: 0, mismatch: 0, foreign: 0, maxSeq: -1,
    seen: new Uint8Array(n), lat: new Float64Array(n), tFirst: null, tLast: null, sample: null,
    timedOut: null, error: null,
  };
  let resolve;
  const done = new Promise((res) => { resolve = res; });
  r.resolve = resolve;
  f.round = r;
  const start = absNow();
  const burst = post("/ctl/burst", { resource: f.resource, first, n, mode, rate });
  burst.then((s) => { if (!s.ok) { r.error = s.error; resolve(); } }, (e) => { r.error = String(e); resolve(); });
  // A stalled tunnel must not hang the run: give up when nothing new came
  // for stallMs (or the round as a whole took too long), with what arrived.
  let lastUnique = 0, lastChange = start;
  const watchdog = setInterval(() => {
    const t = absNow();
    if (r.unique !== lastUnique) { lastUnique = r.unique; lastChange = t; }
    if (t - lastChange > plan.stallMs) { r.timedOut = `stalled: nothing new for ${plan.stallMs} ms`; resolve(); }
    else if (t - start > plan.roundTimeoutMs) { r.timedOut = `round took over ${plan.roundTimeoutMs} ms`; resolve(); }
  }, 100);
  await done;
  clearInterval(watchdog);
  const end = await post("/ctl/burst-done", { first, aborted: r.unique < n });
  // The server's own figures; it answers once it stopped sending (at once when aborted).
  r.server = await Promise.race([burst, sleep(10000).then(() => ({ ok: false, error: "no answer from the server" }))]);
  r.cpu = end.cpu;
  return r;
}

function percentile(sorted, p) {
  if (!sorted.length) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** The figures of a round (late duplicates or strays still count: computed at the end). */
function summary(r) {
  const lat = Array.from(r.lat.subarray(0, r.unique)).sort((a, b) => a - b);
  const span = r.tLast - r.tFirst;
  return {
    tunnel: r.tunnel, mode: r.mode, first: r.first, n: r.n, rate: r.rate,
    received: r.received, unique: r.unique, loss: r.n - r.unique, dup: r.dup, reorder: r.reorder,
    mismatch: r.mismatch, foreign: r.foreign, timedOut: r.timedOut, error: r.error, mismatchSample: r.sample,
    spanMs: span, eventsPerSec: r.unique > 1 ? ((r.unique - 1) / span) * 1000 : null,
    latency: { p50: percentile(lat, 50), p99: percentile(lat, 99), max: lat.length ? lat[lat.length - 1] : null,
      mean: lat.length ? lat.reduce((a, b) => a + b, 0) / lat.length : null },
    server: r.server, cpu: r.cpu,
  };
}

const fmt = (x, d = 0) => (x === null || x === undefined ? "-" : x.toLocaleString("en-US", { maximumFractionDigits: d, minimumFractionDigits: d }));
function roundLine(label, s) {
  const bad = [s.loss && `loss ${s.loss}`, s.dup && `dup ${s.dup}`, s.reorder && `reorder ${s.reorder}`,
    s.mismatch && `mismatch ${s.mismatch}`, s.foreign && `foreign ${s.foreign}`, s.timedOut, s.error].filter(Boolean);
  return `${label} ${s.tunnel.padEnd(9)} ${String(s.unique).padStart(6)}/${s.n} ` +
    `${fmt(s.eventsPerSec).padStart(7)} ev/s  p50 ${fmt(s.latency.p50, 2)} ms  p99 ${fmt(s.latency.p99, 2)} ms` +
    (s.cpu ? `  cpu ${fmt(s.cpu.renderers)} ms` : "") +
    (s.server?.sendRate ? `  (server sent at ${fmt(s.server.sendRate)} ev/s)` : "") +
    (bad.length ? `  FAIL: ${bad.join(", ")}` : "");
}

async function probeAll(main, label) {
  const point = { label, at: absNow(), frames: {} };
  for (const f of main) point.frames[f.key] = await f.probe();
  return point;
}

async function clockOffset() {
  // Server clock − page clock, from the fetch with the shortest round trip.
  let best = null;
  for (let i = 0; i < 15; i++) {
    const t0 = absNow();
    const { t } = await (await fetch(`/ctl/clock?run=${encodeURIComponent(runId)}`)).json();
    const t1 = absNow();
    if (!best || t1 - t0 < best.rttMs) best = { rttMs: t1 - t0, offsetMs: Number(t) - (t0 + t1) / 2 };
  }
  return best;
}

/**
 * The cold-connect run (bench/cold.mjs): one tunnel, one fresh iframe in a
 * fresh browser context, over the emulated link; times from creating the
 * iframe. The page's own start is over first (settleMs), so the tunnel does
 * not share the CPU with it.
 */
async function cold() {
  await sleep(plan.settleMs);
  const spec = plan.tunnels[0];
  const { loadedMs, connectMs, t0Abs } = await openTunnel(spec, spec.resource, false);
  flushLogs();
  await post("/ctl/report", { report: { mode: plan.mode, tunnel: spec.key, webdriver: navigator.webdriver, loadedMs, connectMs, t0Abs } });
}

async function main() {
  if (plan.mode === "cold") return cold();
  const report = { webdriver: navigator.webdriver, userAgent: navigator.userAgent, mode: plan.mode };
  progress(`parent page up: navigator.webdriver=${navigator.webdriver}`);

  // Start the origin-T renderer first, so the first tunnel's cold load does
  // not also pay for a new renderer process.
  const warm = document.createElement("iframe");
  hide(warm);
  const warmed = new Promise((r) => warm.addEventListener("load", r, { once: true }));
  warm.src = `${T}/bench/warm.html`;
  document.body.append(warm);
  await warmed;

  // The tunnels that stay for the whole run, logged in one after another
  // (the first load of each: "cold").
  const main = [];
  report.cold = {};
  for (const spec of plan.tunnels) {
    const { f, loadedMs, connectMs } = await openTunnel(spec, spec.resource, true);
    main.push(f);
    report.cold[spec.key] = { loadedMs, connectMs };
    progress(`${spec.key.padEnd(9)} logged in and subscribed: 4|loaded after ${fmt(loadedMs, 1)} ms, 4|connected after ${fmt(connectMs, 1)} ms (cold)`);
  }
  warm.remove();

  // iframe created → 4|connected, fresh iframes, tunnels alternated.
  report.connect = Object.fromEntries(plan.tunnels.map((t) => [t.key, []]));
  for (let s = 0; s < plan.connectSamples; s++) {
    for (const spec of plan.tunnels) {
      const { f, loadedMs, connectMs } = await openTunnel(spec, `${spec.resource}-s${s}`, false);
      report.connect[spec.key].push({ loadedMs, connectMs });
      f.remove();
      await sleep(100);
    }
  }
  if (plan.connectSamples) {
    // Both ends of each sample: 4|loaded (page and module up) and 4|connected.
    for (const [label, key] of [["connect", "connectMs"], ["of which 4|loaded", "loadedMs"]]) {
      progress(`${label} samples: ${plan.tunnels.map((t) => `${t.key} ${report.connect[t.key].map((x) => fmt(x[key], 1)).join(" ")} ms`).join("; ")}`);
    }
  }

  report.clock = await clockOffset();
  report.probes = [];
  if (plan.probeMemory) {
    // The removed connect-sample iframes take a few GCs to be collected
    // (detached contexts): let the shared heap settle before the baseline.
    let last = null;
    report.settleProbes = 0;
    for (let i = 0; i < 20; i++) {
      const { jsHeap } = await main[0].probe();
      report.settleProbes++;
      if (last !== null && Math.abs(jsHeap - last) < 1024) break;
      last = jsHeap;
      await sleep(250);
    }
    report.probes.push(await probeAll(main, "baseline"));
  }

  const rounds = [];
  const total = plan.rounds * main.length;
  for (let k = 0; k < plan.rounds; k++) {
    for (const f of main) {
      const r = await runRound(f, "burst", plan.n, null);
      rounds.push(r);
      progress(roundLine(`burst ${String(rounds.length).padStart(2)}/${total}`, summary(r)));
      await sleep(200); // let the tunnel finish whatever follows the last event
      if (plan.probeMemory) report.probes.push(await probeAll(main, `after ${f.key} burst ${k + 1}`));
    }
  }
  const pacedTotal = plan.paced.rounds * main.length;
  let pacedCount = 0;
  for (let k = 0; k < plan.paced.rounds; k++) {
    for (const f of main) {
      const r = await runRound(f, "paced", plan.paced.n, plan.paced.rate);
      rounds.push(r);
      progress(roundLine(`paced ${++pacedCount}/${pacedTotal}`, summary(r)));
      await sleep(200);
    }
  }
  if (plan.probeMemory) report.probes.push(await probeAll(main, "end"));
  await sleep(300); // late duplicates or strays still count
  report.rounds = rounds.map(summary);
  report.strays = Object.fromEntries(main.map((f) => [f.key, f.stray]));
  flushLogs();
  await post("/ctl/report", { report });
}

main().catch(fail);
