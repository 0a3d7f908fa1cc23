// Cold connect over an emulated branch-office link: iframe created → 4|connected
// with nothing cached, 10 Mbit/s and 40 ms round trip, ours against the
// incumbent (both SCRAM-SHA-1). See "Cold connect" in bench/README.md.
//
// Network emulation needs DevTools, so this runs in a Chromium of its own,
// driven over CDP (cdp.mjs), after the uninstrumented throughput run, with a
// bench server of its own (gzip on, no probe in the pages, XMPP frames
// delayed). Per sample: a fresh browser context (own HTTP and code caches,
// own sockets, own renderer processes), the parent page loaded, one tunnel
// iframe created and logged in; then the tunnel frame's Resource Timing and
// the server's view of the socket.
import { sleep } from "../tests/browser/harness.mjs";
import { launchCdp } from "./cdp.mjs";
import { absNow } from "./notifications.mjs";
import { median } from "./report.mjs";
import { startBenchServer } from "./server.mjs";

export const LINK = {
  label: "10 Mbit/s 40 ms RTT",
  rttMs: 40,
  bytesPerSec: 1_250_000, // 10 Mbit/s, each way
};

// Chromium holds each HTTP response (and the WebSocket handshake's) until
// `latency` ms after its request was sent: one round trip per request. It
// only rate-limits WebSocket frames, so the server adds the round trip to
// them: half of it each way.
const CONDITIONS = { offline: false, latency: LINK.rttMs, downloadThroughput: LINK.bytesPerSec, uploadThroughput: LINK.bytesPerSec };

const SETTLE_MS = 300; // the parent page's own start, before the iframe is created
const SAMPLE_TIMEOUT_MS = 30000;

// The link check: what Chromium's emulation does here, measured in a page of
// the tunnel origin with the same emulation (no server delay on /echo).
const LINK_PAGE = `<!doctype html><title>link check</title><script>
window.measure = async () => {
  const time = async (f) => { const t = performance.now(); await f(); return performance.now() - t; };
  const get = (p) => fetch(p, { cache: "no-store" }).then((r) => r.arrayBuffer());
  const out = { requestMs: [], wsRttMs: [] };
  for (let i = 0; i < 5; i++) out.requestMs.push(await time(() => get("/bench/ping")));
  out.bulkBytes = 250000;
  out.bulkMs = await time(() => get("/bench/bulk"));
  let ws;
  out.wsOpenMs = await time(() => new Promise((resolve, reject) => {
    ws = new WebSocket(location.origin.replace(/^http/, "ws") + "/echo");
    ws.onopen = resolve;
    ws.onerror = () => reject(new Error("the echo socket failed"));
  }));
  for (let i = 0; i < 9; i++) out.wsRttMs.push(await time(() => new Promise((r) => { ws.onmessage = r; ws.send("x".repeat(100)); })));
  ws.close();
  return out;
};
</script>`;

// Read in the tunnel frame after 4|connected (over the frame's own DevTools session).
const FRAME_TIMING = `(() => {
  const n = performance.getEntriesByType("navigation")[0];
  const pick = (e) => ({ name: e.name, initiatorType: e.initiatorType, startTime: e.startTime,
    responseEnd: e.responseEnd, transferSize: e.transferSize, encodedBodySize: e.encodedBodySize,
    decodedBodySize: e.decodedBodySize });
  return { timeOrigin: performance.timeOrigin, nav: n ? pick(n) : null,
    resources: performance.getEntriesByType("resource").map(pick) };
})()`;

const withTimeout = (p, ms, what) => Promise.race([p, new Promise((_, j) => setTimeout(() => j(new Error(`${what}: nothing within ${ms / 1000} s`)), ms).unref())]);

/** The XMPP element a frame starts with: "open", "auth", "iq", …. */
const elementOf = (text) => /^<([\w:-]+)/.exec(text)?.[1] ?? "?";

/**
 * coldConnect({ tunnels, samples, progress }) → { link, chromium, samples,
 *   tunnels: { key: { connectMs, loadedMs, samples, bytes, breakdown, … } }, warnings, failures }.
 * `tunnels`: the incumbent's and our specs (as run.mjs has them).
 */
export async function coldConnect({ tunnels, samples, progress = () => {} }) {
  const events = [];
  const server = await startBenchServer({
    log: progress, gzip: true, probe: false, wsDelayMs: LINK.rttMs / 2, observe: (e) => events.push(e), linkCheck: LINK_PAGE,
  });
  const cdp = launchCdp();
  const warnings = [], failures = [];
  try {
    const { product } = await withTimeout(cdp.send("Browser.getVersion"), 20000, "Chromium over CDP");
    const out = Object.fromEntries(tunnels.map((t) => [t.key, []]));
    // One sample of each first, not counted: the browser's first contexts pay
    // for its own start (measured: the first sample of a run up to 250 ms slower).
    if (samples) for (const spec of tunnels) await sample(cdp, server, spec, events).catch(() => {});
    for (let s = 0; s < samples; s++) {
      // Alternated, and the order swapped every sample (ABBA), so a drift over the run favours neither.
      for (const spec of s % 2 ? [...tunnels].reverse() : tunnels) {
        const from = events.length;
        let r;
        try {
          r = await sample(cdp, server, spec, events);
        } catch (e) {
          // A tunnel that does not connect is a failure of the run, not of the measurement: go on.
          failures.push(`cold connect, ${spec.key}, sample ${s + 1}: ${e.message}`);
          progress(`cold ${String(s + 1).padStart(2)}/${samples} ${spec.key.padEnd(9)} FAIL: ${e.message}`);
          continue;
        }
        r.server = serverView(events.slice(from, r.eventsSeen), r.t0Abs);
        out[spec.key].push(r);
        progress(`cold ${String(s + 1).padStart(2)}/${samples} ${spec.key.padEnd(9)} 4|loaded ${r.loadedMs.toFixed(0)} ms, 4|connected ${r.connectMs.toFixed(0)} ms` +
          `  (${r.server.httpBytes.toLocaleString("en-US")} bytes over HTTP)`);
        for (const w of r.warnings) warnings.push(`cold ${spec.key} sample ${s + 1}: ${w}`);
        await sleep(250); // the closed context's last traffic and processes go before the next sample
      }
    }
    // After the samples, in a browser past its own start: medians of a few tries.
    const link = await checkLink(cdp, server);
    progress(`link check: ${link.summary}`);
    warnings.push(...link.warnings);
    return { link: { ...LINK, wsOneWayDelayMs: LINK.rttMs / 2 }, linkCheck: link, chromium: product, samples, tunnels: summarize(out), warnings, failures };
  } finally {
    await cdp.stop();
    await server.stop();
  }
}

/**
 * Emulation on one DevTools session (Chromium 156 applies it only with the
 * Network domain enabled). The commands go back to back: a session handles
 * its commands in order, so a frame resumed by the next command sent is
 * throttled from its first request, and waits for one round trip, not three.
 */
function emulate(cdp, sessionId) {
  return Promise.all([
    cdp.send("Network.enable", {}, sessionId),
    cdp.send("Network.emulateNetworkConditions", CONDITIONS, sessionId),
  ]);
}

/**
 * How Chromium applies the emulation, checked on every run (a later Chromium
 * may differ): a request should take the round trip, a bulk download run at
 * about the rate, and a WebSocket frame come back at once (if Chromium ever
 * delays frames itself, the server's delay would count the round trip twice).
 */
async function checkLink(cdp, server) {
  const { browserContextId } = await cdp.send("Target.createBrowserContext", { disposeOnDetach: true });
  try {
    const { targetId } = await cdp.send("Target.createTarget", { url: "about:blank", browserContextId });
    const { sessionId } = await cdp.send("Target.attachToTarget", { targetId, flatten: true });
    await emulate(cdp, sessionId);
    await cdp.send("Page.enable", {}, sessionId);
    const loaded = new Promise((resolve) => {
      const off = cdp.on((m, _p, sid) => { if (m === "Page.loadEventFired" && sid === sessionId) { off(); resolve(); } });
    });
    await cdp.send("Page.navigate", { url: `${server.tunnelOrigin}/bench/link.html` }, sessionId);
    await withTimeout(loaded, 20000, "the link check page");
    const { result, exceptionDetails } = await cdp.send("Runtime.evaluate", { expression: "measure()", awaitPromise: true, returnByValue: true }, sessionId);
    if (exceptionDetails) throw new Error(`link check: ${exceptionDetails.exception?.description ?? exceptionDetails.text}`);
    const m = result.value;
    const requestMs = median(m.requestMs), wsRttMs = median(m.wsRttMs);
    const bulkMbps = (m.bulkBytes * 8) / ((m.bulkMs - LINK.rttMs) * 1000); // after the latency
    const warnings = [];
    if (requestMs < LINK.rttMs) warnings.push(`link check: a request took ${requestMs.toFixed(1)} ms, under the ${LINK.rttMs} ms round trip: is the emulation applied?`);
    if (wsRttMs >= LINK.rttMs / 2) {
      warnings.push(`link check: Chromium delays WebSocket frames itself (round trip ${wsRttMs.toFixed(1)} ms): with the server's ${LINK.rttMs / 2} ms each way, the login's frames pay the round trip twice`);
    }
    return {
      ...m, requestMedianMs: requestMs, wsRttMedianMs: wsRttMs, bulkMbps, warnings,
      summary: `a request ${requestMs.toFixed(1)} ms (median of ${m.requestMs.length}); ` +
        `${(m.bulkBytes / 1000).toFixed(0)} KB in ${m.bulkMs.toFixed(0)} ms (${bulkMbps.toFixed(1)} Mbit/s after the latency); ` +
        `WebSocket open ${m.wsOpenMs.toFixed(1)} ms, frame round trip ${wsRttMs.toFixed(1)} ms (median of ${m.wsRttMs.length}) ` +
        `(${wsRttMs < LINK.rttMs / 2 ? `Chromium does not delay frames: the server adds ${LINK.rttMs / 2} ms each way` : "delayed by Chromium"})`,
    };
  } finally {
    await cdp.send("Target.disposeBrowserContext", { browserContextId }).catch(() => {});
  }
}

/** One fresh browser context, one tunnel iframe, logged in. */
async function sample(cdp, server, spec, events) {
  const run = server.beginRun({ mode: "cold", tunnels: [spec], settleMs: SETTLE_MS, stepTimeoutMs: 20000 });
  const { browserContextId } = await cdp.send("Target.createBrowserContext", { disposeOnDetach: true });
  const frames = [];
  let off = () => {};
  try {
    const { targetId } = await cdp.send("Target.createTarget", { url: "about:blank", browserContextId });
    const { sessionId } = await cdp.send("Target.attachToTarget", { targetId, flatten: true });
    // The page's session throttles the page and the iframe's document request;
    // the tunnel frame is an out-of-process iframe (another site), and its own
    // requests and socket are throttled only by emulation on its own session,
    // set while it waits to start (waitForDebuggerOnStart), before it runs.
    off = cdp.on((method, params, sid) => {
      if (method !== "Target.attachedToTarget" || sid !== sessionId) return;
      const f = { sessionId: params.sessionId, type: params.targetInfo.type, attachedAt: absNow(), emulationAckMs: null };
      frames.push(f);
      // The browser handles the emulation, then the resume, in order. emulationAckMs
      // (until both emulation commands answered) bounds how long the frame was
      // held: Network.enable's answer also waits for the frame's renderer, so the
      // frame often runs before it (its first request precedes the answer).
      emulate(cdp, f.sessionId).then(() => { f.emulationAckMs = absNow() - f.attachedAt; }, (e) => { f.error = e.message; });
      cdp.send("Runtime.runIfWaitingForDebugger", {}, f.sessionId).then(() => { f.resumed = true; }, (e) => { f.error = e.message; });
    });
    await emulate(cdp, sessionId);
    await cdp.send("Target.setAutoAttach", { autoAttach: true, waitForDebuggerOnStart: true, flatten: true }, sessionId);
    await cdp.send("Page.navigate", { url: server.parentUrl(run.id) }, sessionId);
    const { report } = await withTimeout(run.report, SAMPLE_TIMEOUT_MS, `cold connect of ${spec.key}`);
    const seen = events.length; // what follows is the tear-down (unavailable presence, close)
    const warnings = [];
    const frame = frames.find((f) => f.type === "iframe");
    let timing = null;
    if (!frame || frame.error || !frame.resumed || frame.emulationAckMs === null) {
      warnings.push(`the tunnel frame's DevTools session ${frame ? `failed: ${frame.error ?? "not resumed"}` : "never attached"}: its requests may not have been throttled`);
    } else {
      timing = (await cdp.send("Runtime.evaluate", { expression: FRAME_TIMING, returnByValue: true }, frame.sessionId)).result.value;
      // Cold: every resource came over the network (a cache hit has transferSize 0).
      for (const e of [timing.nav, ...timing.resources]) if (e && e.transferSize === 0) warnings.push(`${e.name} came from a cache`);
      // Throttled: no request of the frame's own came back sooner than the round trip.
      for (const e of timing.resources) if (e.responseEnd - e.startTime < LINK.rttMs) warnings.push(`${e.name} took ${(e.responseEnd - e.startTime).toFixed(1)} ms, under the round trip: not throttled?`);
    }
    return {
      loadedMs: report.loadedMs, connectMs: report.connectMs, t0Abs: report.t0Abs, eventsSeen: seen,
      frameAttachedMs: frame ? frame.attachedAt - report.t0Abs : null, emulationAckMs: frame?.emulationAckMs ?? null,
      frame: timing && frameView(timing, report.t0Abs), warnings,
    };
  } finally {
    off();
    await cdp.send("Target.disposeBrowserContext", { browserContextId }).catch(() => {});
  }
}

/**
 * The frame's Resource Timing, as ms since the iframe was created (its
 * timeOrigin and the parent's are one machine clock). Under emulation only
 * responseEnd is to be read: Chromium adds the latency after the network
 * stack noted the response's start, so responseStart leaves it out (and
 * is not taken).
 */
function frameView(t, t0Abs) {
  const at = (ms) => (ms ? t.timeOrigin + ms - t0Abs : null);
  const entry = (e) => ({
    name: e.name.replace(/^https?:\/\/[^/]+/, ""), type: e.initiatorType,
    start: at(e.startTime), end: at(e.responseEnd),
    transferSize: e.transferSize, encodedBodySize: e.encodedBodySize, decodedBodySize: e.decodedBodySize,
  });
  return { navigationStart: t.timeOrigin - t0Abs, html: t.nav && entry(t.nav), resources: t.resources.map(entry) };
}

/** What the server saw of one sample: bytes sent, and the socket's timeline (ms since the iframe was created). */
function serverView(evs, t0Abs) {
  const http = evs.filter((e) => e.kind === "http");
  const since = (e) => e.at - t0Abs;
  // This sample's socket: the last one seen opening (the previous sample's may still be closing).
  const upgrade = evs.findLast((e) => e.kind === "ws" && e.what === "upgrade");
  const ws = evs.filter((e) => e.kind === "ws" && e.conn === upgrade?.conn);
  // Each client frame when the server gets it (after the emulated 20 ms one way), named by its element.
  const seen = new Map();
  const frames = ws.filter((e) => e.what === "in").map((e) => {
    const name = elementOf(e.text);
    const n = (seen.get(name) ?? 0) + 1;
    seen.set(name, n);
    return { name: n > 1 ? `${name} #${n}` : name, at: since(e) };
  });
  return {
    http: http.map((e) => ({ path: e.path, status: e.status, bytes: e.bytes, encoding: e.encoding })),
    httpBytes: http.reduce((a, e) => a + e.bytes, 0),
    wsBytes: { in: ws.filter((e) => e.what === "in").reduce((a, e) => a + e.bytes, 0), out: ws.filter((e) => e.what === "out").reduce((a, e) => a + e.bytes, 0) },
    wsUpgrade: upgrade ? since(upgrade) : null,
    wsFrames: frames,
  };
}

/**
 * Per tunnel: medians of connect and 4|loaded, every sample, the bytes, and
 * the median of each step of the breakdown (steps named the same in every sample).
 */
function summarize(out) {
  const res = {};
  for (const [key, list] of Object.entries(out)) {
    const steps = new Map();
    const add = (name, v) => { if (typeof v === "number") { if (!steps.has(name)) steps.set(name, []); steps.get(name).push(v); } };
    for (const r of list) {
      // Names as the report prints them: files at their responseEnd, frames when the server got them.
      add("frame attached", r.frameAttachedMs);
      if (r.frame?.html) add("html", r.frame.html.end);
      for (const e of r.frame?.resources ?? []) add(e.name.split("/").pop(), e.end);
      add("4|loaded", r.loadedMs);
      add("ws upgrade", r.server.wsUpgrade);
      for (const f of r.server.wsFrames) add(`<${f.name}>`, f.at);
      add("4|connected", r.connectMs);
    }
    const last = list[list.length - 1]; // bytes: the same in every sample
    res[key] = {
      connectMs: median(list.map((r) => r.connectMs)),
      loadedMs: median(list.map((r) => r.loadedMs)),
      connectSamplesMs: list.map((r) => r.connectMs),
      loadedSamplesMs: list.map((r) => r.loadedMs),
      emulationAckMs: median(list.map((r) => r.emulationAckMs)),
      // From the frame's attach (paused) to its first request: the hold, then parsing up to that request.
      attachToFirstRequestMs: median(list.map((r) => (r.frame?.resources.length ? Math.min(...r.frame.resources.map((e) => e.start)) - r.frameAttachedMs : null))),
      bytes: last ? { http: last.server.httpBytes, files: last.server.http, ws: last.server.wsBytes } : null,
      breakdown: [...steps].map(([step, v]) => ({ step, medianMs: median(v), n: v.length })).sort((a, b) => a.medianMs - b.medianMs),
      samples: list,
    };
  }
  return res;
}
