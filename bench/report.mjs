// Turns what the parent page measured into the figures, the table and the
// JSON copy: medians over rounds, ratios, memory growth, sizes, and every
// failure (loss, duplicates, reordering, mismatches, timeouts, automation).
import crypto from "node:crypto";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import zlib from "node:zlib";
import { fileURLToPath } from "node:url";
import { chromiumVersion } from "./chromium.mjs";
import { TUNNEL_DIR } from "./server.mjs";

const repoRoot = path.join(path.dirname(fileURLToPath(import.meta.url)), "..");
const KEYS = ["ceiling", "incumbent", "ours"];
export const MEMORY_TARGET_BYTES = 1024 * 1024;

const git = (...a) => { try { return execFileSync("git", a, { cwd: repoRoot, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim(); } catch { return null; } };

export function machineInfo() {
  const cpuinfo = fs.readFileSync("/proc/cpuinfo", "utf8");
  const build = fs.existsSync(TUNNEL_DIR) ? fs.readdirSync(TUNNEL_DIR).sort() : [];
  const hash = crypto.createHash("sha256");
  for (const f of build) hash.update(f).update(fs.readFileSync(path.join(TUNNEL_DIR, f)));
  return {
    date: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
    nproc: Number(execFileSync("nproc", { encoding: "utf8" }).trim()),
    cpu: /^model name\s*:\s*(.*)$/m.exec(cpuinfo)?.[1] ?? "unknown",
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    kernel: `${os.type()} ${os.release()}`,
    chromium: chromiumVersion(),
    node: process.version,
    git: { commit: git("rev-parse", "--short", "HEAD"), branch: git("rev-parse", "--abbrev-ref", "HEAD"), dirty: !!git("status", "--porcelain") },
    tunnelBuild: { dir: TUNNEL_DIR.startsWith(repoRoot) ? path.relative(repoRoot, TUNNEL_DIR) : TUNNEL_DIR, files: build, sha256: hash.digest("hex").slice(0, 16) },
  };
}

/** gzip -9 bytes of every file each tunnel page loaded (config.json and the probe excluded). */
export function gzipSizes(served) {
  const out = {};
  for (const key of KEYS) {
    const files = {};
    let raw = 0, gzip = 0;
    for (const [p, body] of [...served[key]].sort()) {
      if (p.endsWith("/config.json")) continue;
      const z = zlib.gzipSync(body, { level: 9 }).length;
      files[p] = { bytes: body.length, gzip: z };
      raw += body.length;
      gzip += z;
    }
    out[key] = { files, bytes: raw, gzip };
  }
  return out;
}

export const median = (xs) => {
  const v = xs.filter((x) => typeof x === "number" && Number.isFinite(x)).sort((a, b) => a - b);
  if (!v.length) return null;
  const m = v.length >> 1;
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
};
const sum = (xs) => xs.reduce((a, b) => a + (b ?? 0), 0);

/**
 * Retained memory per tunnel. The three tunnel frames share one origin and so
 * one renderer process and one V8 heap, so a frame's heap figure is not its
 * own: the growth of tunnel X is the sum, over X's own bursts, of the heap
 * growth from the probe before to the probe after it (all after gc()); the
 * others are idle then. Wasm memories are per frame: X's own, end − baseline.
 */
function memory(report, key, n) {
  const probes = report.probes ?? [];
  if (!probes.length) return null;
  const base = probes[0];
  let rounds = 0, last = base;
  const perBurst = [];
  for (let i = 1; i < probes.length; i++) {
    if (probes[i].label.startsWith(`after ${key} burst`)) {
      perBurst.push(probes[i].frames[key].jsHeap - probes[i - 1].frames[key].jsHeap);
      rounds++;
      last = probes[i];
    }
  }
  const js = sum(perBurst);
  const wasm = last.frames[key].wasm - base.frames[key].wasm;
  return {
    events: rounds * n,
    jsGrowth: js,
    jsGrowthPerBurst: perBurst,
    wasmGrowth: wasm,
    growth: js + wasm,
    baseline: { jsHeap: base.frames[key].jsHeap, wasm: base.frames[key].wasm, wasmMemories: base.frames[key].wasmMemories },
    after: { jsHeap: last.frames[key].jsHeap, wasm: last.frames[key].wasm },
  };
}

export function summarize({ machine, opts, report, browserCmdline, playwright, tunnelLog, sizes, durationS, cold = null }) {
  const failures = [];
  const warnings = [];
  const tunnels = {};
  for (const key of KEYS) {
    const rounds = report.rounds.filter((r) => r.tunnel === key);
    const bursts = rounds.filter((r) => r.mode === "burst");
    const paced = rounds.filter((r) => r.mode === "paced");
    const totals = {
      events: sum(rounds.map((r) => r.n)),
      loss: sum(rounds.map((r) => r.loss)), dup: sum(rounds.map((r) => r.dup)),
      reorder: sum(rounds.map((r) => r.reorder)), mismatch: sum(rounds.map((r) => r.mismatch)),
      foreign: sum(rounds.map((r) => r.foreign)), stray: report.strays?.[key] ?? 0,
      timeouts: rounds.filter((r) => r.timedOut || r.error).length,
    };
    for (const r of rounds) {
      const what = `${key} ${r.mode} of ${r.n} from seq ${r.first}`;
      if (r.timedOut) failures.push(`${what}: timed out (${r.timedOut}) with ${r.unique} of ${r.n} events in`);
      if (r.error) failures.push(`${what}: ${r.error}`);
      for (const k of ["loss", "dup", "reorder", "mismatch", "foreign"]) if (r[k]) failures.push(`${what}: ${k} ${r[k]}`);
      if (r.mismatchSample) failures.push(`${what}: first mismatch ${JSON.stringify(r.mismatchSample)}`);
    }
    if (totals.stray) failures.push(`${key}: ${totals.stray} events outside any round`);
    const cpuPer1k = bursts.filter((r) => r.cpu && r.unique).map((r) => (r.cpu.renderers / r.unique) * 1000);
    const connect = report.connect?.[key] ?? [];
    tunnels[key] = {
      eventsPerSec: median(bursts.map((r) => r.eventsPerSec)),
      eventsPerSecRounds: bursts.map((r) => r.eventsPerSec),
      burstLatency: { p50: median(bursts.map((r) => r.latency.p50)), p99: median(bursts.map((r) => r.latency.p99)) },
      pacedLatency: { p50: median(paced.map((r) => r.latency.p50)), p99: median(paced.map((r) => r.latency.p99)), rate: paced[0]?.rate ?? null },
      connectMs: median(connect.map((c) => c.connectMs)),
      connectSamplesMs: connect.map((c) => c.connectMs),
      coldConnectMs: report.cold?.[key]?.connectMs ?? null,
      connectMeaning: key === "ceiling" ? "socket open (no login)" : "4|connected (SCRAM-SHA-1 login, bind, presence)",
      cpuMsPer1000: median(cpuPer1k),
      serverSendRate: median(bursts.map((r) => r.server?.sendRate)),
      memory: memory(report, key, opts.n),
      size: sizes[key],
      totals,
    };
  }
  for (const key of KEYS) {
    const t = tunnels[key];
    t.vsCeiling = t.eventsPerSec && tunnels.ceiling.eventsPerSec ? t.eventsPerSec / tunnels.ceiling.eventsPerSec : null;
    t.vsIncumbent = t.eventsPerSec && tunnels.incumbent.eventsPerSec ? t.eventsPerSec / tunnels.incumbent.eventsPerSec : null;
  }

  // No automation may be attached to the measured pages.
  const probeFrames = report.probes?.[0]?.frames ?? {};
  const automation = {
    parentWebdriver: report.webdriver,
    frameWebdriver: Object.fromEntries(Object.entries(probeFrames).map(([k, v]) => [k, v.webdriver])),
    remoteDebuggingFlags: browserCmdline.filter((a) => /^--(remote-debugging|enable-automation)/.test(a)),
    browserCmdline,
  };
  if (automation.parentWebdriver !== false) failures.push(`automation: navigator.webdriver is ${automation.parentWebdriver} in the parent page`);
  for (const [k, v] of Object.entries(automation.frameWebdriver)) if (v !== false) failures.push(`automation: navigator.webdriver is ${v} in the ${k} frame`);
  if (automation.remoteDebuggingFlags.length) failures.push(`automation: Chromium ran with ${automation.remoteDebuggingFlags.join(" ")}`);
  for (const p of report.probes ?? []) for (const [k, v] of Object.entries(p.frames)) if (v.error) failures.push(`memory probe in ${k}: ${v.error}`);

  const ours = tunnels.ours.memory;
  if (ours && ours.growth > MEMORY_TARGET_BYTES) warnings.push(`ours retained ${(ours.growth / 1024).toFixed(0)} KB after ${ours.events.toLocaleString("en-US")} events (target: under 1 MB)`);
  const c = tunnels.ceiling;
  if (c.eventsPerSec && c.serverSendRate && c.eventsPerSec > 0.9 * c.serverSendRate) {
    warnings.push(`the ceiling got ${c.eventsPerSec.toFixed(0)} ev/s with the server sending at ${c.serverSendRate.toFixed(0)} ev/s: the server may be what limits it`);
  }
  if (report.clock && Math.abs(report.clock.offsetMs) > 1) warnings.push(`server and page clocks differ by ${report.clock.offsetMs.toFixed(2)} ms (fetch round trip ${report.clock.rttMs.toFixed(2)} ms); latencies include that`);

  let pw = null;
  if (playwright) {
    const rounds = playwright.report.rounds;
    pw = {
      ceilingEventsPerSec: median(rounds.map((r) => r.eventsPerSec)),
      rounds: rounds.map((r) => r.eventsPerSec),
      webdriver: playwright.report.webdriver,
      seconds: playwright.seconds,
    };
    pw.ratio = pw.ceilingEventsPerSec && c.eventsPerSec ? pw.ceilingEventsPerSec / c.eventsPerSec : null;
    for (const r of rounds) if (r.loss || r.dup || r.reorder || r.mismatch || r.timedOut || r.error) {
      warnings.push(`Playwright check round from seq ${r.first}: loss ${r.loss}, dup ${r.dup}, reorder ${r.reorder}, mismatch ${r.mismatch}${r.timedOut ? `, ${r.timedOut}` : ""}`);
    }
  }

  if (cold?.error) failures.push(`cold connect: ${cold.error}`);
  else if (cold) {
    warnings.push(...cold.warnings);
    failures.push(...cold.failures);
    const o = cold.tunnels.ours, i = cold.tunnels.incumbent;
    cold.oursOverIncumbent = o?.connectMs && i?.connectMs ? o.connectMs / i.connectMs : null;
    // The target: no later than the incumbent's.
    if (cold.oursOverIncumbent > 1) {
      warnings.push(`cold connect over ${cold.link.label}: ours ${o.connectMs.toFixed(0)} ms, ${(o.connectMs - i.connectMs).toFixed(0)} ms later than the incumbent's ${i.connectMs.toFixed(0)} ms (target: no later); ` +
        `4|loaded ${o.loadedMs.toFixed(0)} vs ${i.loadedMs.toFixed(0)} ms`);
    }
  }

  return {
    machine,
    settings: { ...opts, order: KEYS },
    tunnels,
    cold,
    automation,
    playwrightCheck: pw,
    clock: report.clock,
    tunnelLogLines: tunnelLog.length,
    failures,
    warnings,
    durationS,
    raw: { settleProbes: report.settleProbes, cold: report.cold, connect: report.connect, probes: report.probes, rounds: report.rounds, userAgent: report.userAgent },
  };
}

const num = (x, d = 0) => (x === null || x === undefined || Number.isNaN(x) ? "-" : x.toLocaleString("en-US", { minimumFractionDigits: d, maximumFractionDigits: d }));
const kb = (b) => (b === null || b === undefined ? "-" : `${b >= 0 ? "+" : "−"}${num(Math.abs(b) / 1024, 0)} KB`);
const pad = (s, w, left = false) => (left ? String(s).padEnd(w) : String(s).padStart(w));

function table(header, rows) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => cells.map((c, i) => pad(c, widths[i], i === 0)).join("  ");
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

/** The cold-connect section: the headline, every sample, bytes, and where the time goes. */
function coldLines(c) {
  if (c.error) return ["connect, cold cache: no result (see FAIL lines)"];
  const i = c.tunnels.incumbent, o = c.tunnels.ours;
  if (!i?.samples.length || !o?.samples.length) return [`connect, cold cache, ${c.link.label}: no result (see FAIL lines)`];
  const ms = (xs) => xs.map((x) => num(x, 0)).join(" ");
  const n = Math.min(i.samples.length, o.samples.length);
  const out = [
    `connect, cold cache, ${c.link.label}: ours ${num(o.connectMs, 0)} ms, incumbent ${num(i.connectMs, 0)} ms (median of ${n}); ` +
      `ours/incumbent ${num(c.oursOverIncumbent, 2)} (${o.connectMs <= i.connectMs ? "target met: no later" : `target missed by ${num(o.connectMs - i.connectMs, 0)} ms`})`,
    `  iframe created → 4|connected, a fresh browser context each (nothing cached or reused), tunnel files gzip; Chromium's emulation on the page and on`,
    `  the tunnel's own frame (HTTP: +${c.link.rttMs} ms per request, ${num(c.link.bytesPerSec * 8 / 1e6, 0)} Mbit/s each way; WebSocket frames: rate only, the server adds ${c.link.wsOneWayDelayMs} ms each way)`,
  ];
  for (const [k, t] of [["incumbent", i], ["ours", o]]) {
    out.push(`  ${k.padEnd(9)} 4|connected ${ms(t.connectSamplesMs)} ms; 4|loaded ${ms(t.loadedSamplesMs)} ms (median ${num(t.loadedMs, 0)})`);
  }
  for (const [k, t] of [["incumbent", i], ["ours", o]]) {
    const files = t.bytes.files.map((f) => `${f.path.replace(/^\/[^/]+\//, "") || "html"} ${num(f.bytes)}`).join(", ");
    out.push(`  ${k.padEnd(9)} bytes: HTTP bodies ${num(t.bytes.http)} (${files}); WebSocket payloads ${num(t.bytes.ws.out)} to the tunnel, ${num(t.bytes.ws.in)} from it`);
  }
  out.push(`  where the time goes (median ms after the iframe was created: files at their responseEnd in the frame's Resource Timing, ` +
    `frame attached = its html's headers in, <frames> when the server got them, ${c.link.wsOneWayDelayMs} ms after the tunnel sent them):`);
  for (const [k, t] of [["incumbent", i], ["ours", o]]) {
    const steps = t.breakdown.filter((b) => b.n === t.samples.length).map((b) => `${b.step} ${num(b.medianMs, 0)}`);
    out.push(`  ${k.padEnd(9)} ${steps.join(" → ")}`);
  }
  if (c.linkCheck) out.push(`  link check: ${c.linkCheck.summary}`);
  out.push(`  DevTools holds each tunnel frame, attached when its html's headers are in, until the emulation is set; its first request came ` +
    `${num(i.attachToFirstRequestMs, 0)} / ${num(o.attachToFirstRequestMs, 0)} ms after the attach (median, incumbent / ours: the hold and the parsing before it), in both figures`);
  return out;
}

export function printReport(res) {
  const { machine: m, settings: s, tunnels: t } = res;
  const out = [];
  out.push("");
  out.push("xmpp-tunnel benchmark: Finesse pubsub events through a hidden cross-origin iframe to its parent");
  out.push(`date      ${m.date}`);
  out.push(`machine   ${m.nproc} cores (nproc), ${m.cpu}, ${m.memoryGiB} GiB, ${m.kernel}`);
  out.push(`browser   ${m.chromium}, headless, started directly (no Playwright/CDP)`);
  out.push(`workload  bursts of N = ${num(s.n)} events, ${s.rounds} per tunnel (${num(s.n * s.rounds)} each), alternated ${s.order.join(" → ")}; ` +
    `paced ${num(s.paced.n)} at ${num(s.paced.rate)}/s × ${s.paced.rounds}; ${s.connectSamples} fresh iframes per tunnel for connect`);
  out.push(`           each event: a ~1 KB Finesse <Update> (escaped in a ~1.7 KB stanza), checked byte for byte at the parent`);
  out.push(`code      git ${m.git.commit}${m.git.dirty ? " (dirty)" : ""} on ${m.git.branch}; tunnel build ${m.tunnelBuild.sha256} (${m.tunnelBuild.files.join(", ")}${m.tunnelBuild.dir === "build/tunnel" ? "" : ` in ${m.tunnelBuild.dir}`}); node ${m.node}`);
  const a = res.automation;
  out.push(`automation none: navigator.webdriver = ${a.parentWebdriver} in the parent, ${Object.entries(a.frameWebdriver).map(([k, v]) => `${v} in ${k}`).join(", ")}; ` +
    `Chromium's command line has ${a.remoteDebuggingFlags.length ? a.remoteDebuggingFlags.join(" ") : "no --remote-debugging-* / --enable-automation"}`);
  out.push("");
  out.push("Throughput and correctness (bursts; events/s at the parent, first to last event, median over rounds)");
  out.push(table(
    ["tunnel", "events/s", "× ceiling", "× incumbent", "rounds (events/s)", "events", "loss", "dup", "reorder", "mismatch", "result"],
    ["ceiling", "incumbent", "ours"].map((k) => {
      const x = t[k], tt = x.totals;
      const bad = tt.loss + tt.dup + tt.reorder + tt.mismatch + tt.foreign + tt.stray + tt.timeouts;
      return [k, num(x.eventsPerSec), num(x.vsCeiling, 2), num(x.vsIncumbent, 2), x.eventsPerSecRounds.map((v) => num(v / 1000, 1) + "k").join(" "),
        num(tt.events), tt.loss, tt.dup, tt.reorder, tt.mismatch, bad ? "FAIL" : "ok"];
    }),
  ));
  out.push("");
  out.push("Latency, start-up and cost");
  out.push(table(
    ["tunnel", "burst p50 / p99 ms", "paced p50 / p99 ms", "connect ms (cold)", "renderer CPU ms / 1k ev", "memory retained", "after", "gzip bytes"],
    ["ceiling", "incumbent", "ours"].map((k) => {
      const x = t[k];
      return [k, `${num(x.burstLatency.p50, 1)} / ${num(x.burstLatency.p99, 1)}`, `${num(x.pacedLatency.p50, 2)} / ${num(x.pacedLatency.p99, 2)}`,
        `${num(x.connectMs, 1)}${k === "ceiling" ? "*" : ""} (${num(x.coldConnectMs, 1)})`, num(x.cpuMsPer1000, 1),
        x.memory ? kb(x.memory.growth) : "-", x.memory ? `${num(x.memory.events)} ev` : "-", num(x.size.gzip)];
    }),
  ));
  out.push("  * ceiling: iframe created → its socket open (it has no login); the others: iframe created → 4|connected (SCRAM-SHA-1, bind, presence).");
  out.push("  connect: median of fresh iframes (HTTP revalidated, code caches warm); (cold): the first load. Latency: parent receive time − send");
  out.push("  timestamp; bursts saturate the path, so their latency is mostly queueing. CPU: all renderer processes (parent + tunnels) per 1000 events.");
  out.push("  memory: JS heap (after gc) growth over the tunnel's own bursts + its WebAssembly memory growth; gzip: html + js + wasm, level 9.");
  for (const k of ["ceiling", "incumbent", "ours"]) {
    const mm = t[k].memory;
    if (!mm) continue;
    const later = mm.jsGrowthPerBurst.slice(1);
    out.push(`  ${k.padEnd(9)} memory ${kb(mm.growth)} = JS heap ${kb(mm.jsGrowth)} (first burst ${kb(mm.jsGrowthPerBurst[0])}` +
      `${later.length ? `, ${later.length > 1 ? `bursts 2–${later.length + 1}` : "burst 2"} ${kb(sum(later))}` : ""}) + wasm ${kb(mm.wasmGrowth)} (${num(mm.baseline.wasm / 1024)} KB in ${mm.baseline.wasmMemories} memories at baseline)`);
  }
  out.push("");
  const o = t.ours, i = t.incumbent;
  out.push(`ratios    ours/ceiling ${num(o.vsCeiling, 2)}, ours/incumbent ${num(o.vsIncumbent, 2)}, incumbent/ceiling ${num(i.vsCeiling, 2)} (throughput); ` +
    `CPU per event ours/incumbent ${num(o.cpuMsPer1000 / i.cpuMsPer1000, 2)}; size ours/incumbent ${num(o.size.gzip / i.size.gzip, 2)}`);
  if (res.playwrightCheck) {
    const p = res.playwrightCheck;
    out.push(`trap      the ceiling under Playwright (DevTools attached, navigator.webdriver = ${p.webdriver}): ${num(p.ceilingEventsPerSec)} ev/s ` +
      `vs ${num(t.ceiling.eventsPerSec)} ev/s uninstrumented (× ${num(p.ratio, 2)}; ${p.rounds.map((v) => num(v)).join(", ")}; ${num(p.seconds, 0)} s)`);
  }
  if (res.cold) out.push(...coldLines(res.cold));
  if (res.clock) out.push(`clock     server − page offset ${num(res.clock.offsetMs, 3)} ms (fetch round trip ${num(res.clock.rttMs, 2)} ms); latencies are not corrected`);
  out.push(`log       ${res.tunnelLogLines} 13| LOGGING lines from the tunnels in bench/results/tunnel-log.txt (printed with --verbose)`);
  for (const w of res.warnings) out.push(`WARN: ${w}`);
  for (const f of res.failures) out.push(`FAIL: ${f}`);
  const events = sum(Object.values(t).map((x) => x.totals.events));
  out.push(res.failures.length ? `RESULT: FAIL (${res.failures.length} problems)` :
    `RESULT: ok: ${num(events)} events, every one delivered once, in order, byte for byte (${num(res.durationS, 0)} s)`);
  console.log(out.join("\n"));
}
