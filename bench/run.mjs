// npm run bench: the event-throughput benchmark of three tunnels side by side
// (the ceiling, the Strophe.js incumbent, ours) in one real Chromium started
// without any automation, driven by its own parent page. See bench/README.md.
//
//   node bench/run.mjs [--n 20000] [--rounds 5] [--paced-n 5000] [--paced-rate 1000]
//                      [--paced-rounds 1] [--connect-samples 5] [--stall-ms 10000]
//                      [--iframe hidden|visible] [--no-playwright-check] [--verbose] [--trace-xmpp]
//                      [--cold-samples 7] [--no-cold]
// BENCH_TUNNEL_DIR=dir serves that copy of the tunnel instead of build/tunnel/.
import fs from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { startBenchServer } from "./server.mjs";
import { launchChromium } from "./chromium.mjs";
import { RESOURCES } from "./account.mjs";
import { machineInfo, summarize, printReport, gzipSizes } from "./report.mjs";
import { playwrightCheck, closePlaywright } from "./playwright-check.mjs";
import { coldConnect } from "./cold.mjs";

const benchDir = path.dirname(fileURLToPath(import.meta.url));

const { values: args } = parseArgs({
  options: {
    n: { type: "string", default: "20000" },
    rounds: { type: "string", default: "5" },
    "paced-n": { type: "string", default: "5000" },
    "paced-rate": { type: "string", default: "1000" },
    "paced-rounds": { type: "string", default: "1" },
    "connect-samples": { type: "string", default: "5" },
    "stall-ms": { type: "string", default: "10000" },
    "round-timeout-ms": { type: "string", default: "120000" },
    "with-playwright-check": { type: "boolean", default: true },
    "no-playwright-check": { type: "boolean", default: false },
    iframe: { type: "string", default: "hidden" },
    verbose: { type: "boolean", default: false },
    "trace-xmpp": { type: "boolean", default: false },
    "cold-samples": { type: "string", default: "7" },
    "no-cold": { type: "boolean", default: false },
  },
});
const int = (name, min = 0) => {
  const v = Number(args[name]);
  if (!Number.isInteger(v) || v < min) { console.error(`bench: --${name} must be an integer ≥ ${min}`); process.exit(2); }
  return v;
};
const opts = {
  n: int("n", 2), rounds: int("rounds", 1),
  paced: { n: int("paced-n", 0), rate: int("paced-rate", 1), rounds: int("paced-rounds", 0) },
  connectSamples: int("connect-samples", 0), stallMs: int("stall-ms", 500), roundTimeoutMs: int("round-timeout-ms", 1000),
  playwright: args["with-playwright-check"] && !args["no-playwright-check"],
  iframe: args.iframe,
  coldSamples: args["no-cold"] ? 0 : int("cold-samples", 0),
};
if (!["hidden", "visible"].includes(opts.iframe)) { console.error("bench: --iframe must be hidden or visible"); process.exit(2); }

const TUNNELS = [
  { key: "ceiling", path: "/ceiling/", kind: "raw", resource: RESOURCES.ceiling },
  { key: "incumbent", path: "/incumbent/", kind: "xmpp", resource: RESOURCES.incumbent },
  { key: "ours", path: "/tunnel/", kind: "xmpp", resource: RESOURCES.ours },
];

const started = Date.now();
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;
const tunnelLog = [];
let server, browser, exitCode = 1;

async function cleanup() {
  await browser?.stop().catch(() => {});
  await closePlaywright();
  await server?.stop().catch(() => {});
}
for (const sig of ["SIGINT", "SIGTERM"]) {
  process.on(sig, async () => {
    console.error(`\nbench: ${sig}: stopping Chromium and the servers`);
    await cleanup();
    process.exit(130);
  });
}

/**
 * The run's report, or an error when the browser died, the page went silent
 * (no control request for longer than a round may take), or it failed.
 */
function awaitReport(run, b, { silenceMs, totalMs }) {
  return new Promise((resolve, reject) => {
    const timer = setInterval(() => {
      if (!b.alive()) reject(new Error(`Chromium exited; its log:\n${b.log().split("\n").slice(-20).join("\n")}`));
      else if (Date.now() - run.lastContact > silenceMs) reject(new Error(`the parent page sent nothing for ${silenceMs / 1000} s`));
      else if (Date.now() - started > totalMs) reject(new Error(`the run took over ${totalMs / 1000} s`));
    }, 500);
    run.report.then((r) => { clearInterval(timer); resolve(r); }, (e) => { clearInterval(timer); reject(e); });
  });
}

try {
  const machine = machineInfo();
  console.log(`bench: ${machine.date}, ${machine.nproc} × ${machine.cpu}, ${machine.chromium}`);
  console.log(`bench: N = ${opts.n.toLocaleString("en-US")} per burst, ${opts.rounds} rounds per tunnel, alternated ${TUNNELS.map((t) => t.key).join(" → ")}`);
  server = await startBenchServer({ log: (t) => console.log(`  ${t}`), traceXmpp: args["trace-xmpp"] });
  const plan = {
    mode: "full", tunnels: TUNNELS, n: opts.n, rounds: opts.rounds, paced: opts.paced,
    connectSamples: opts.connectSamples, stallMs: opts.stallMs, roundTimeoutMs: opts.roundTimeoutMs,
    stepTimeoutMs: 20000, probeMemory: true, iframeStyle: opts.iframe,
  };
  const run = server.beginRun(plan, {
    onProgress: (text) => console.log(`  ${text}`),
    onLog: (l) => {
      tunnelLog.push(l);
      if (args.verbose) console.log(`  [${l.tunnel} 13|] ${l.text}`);
    },
  });
  const url = server.parentUrl(run.id);
  browser = launchChromium(url);
  server.setBrowserPid(browser.pid);
  console.log(`bench: Chromium pid ${browser.pid} → ${url}`);
  const { report } = await awaitReport(run, browser, {
    silenceMs: opts.roundTimeoutMs + 30000, totalMs: 20 * 60 * 1000,
  });
  const browserCmdline = browser.cmdline();
  await browser.stop();
  browser = null;

  let pw = null;
  if (opts.playwright) {
    console.log("bench: Playwright trap check (the ceiling once more, in a Chromium driven by Playwright)");
    pw = await playwrightCheck(server, { n: opts.n, rounds: 1, iframeStyle: opts.iframe, stallMs: opts.stallMs, roundTimeoutMs: opts.roundTimeoutMs }, (t) => console.log(`  ${t}`));
  }

  // Last, in a Chromium of its own driven over CDP: DevTools attached there
  // costs nothing that is measured above.
  let cold = null;
  if (opts.coldSamples) {
    console.log(`bench: cold connect over an emulated link (a Chromium driven over CDP, ${opts.coldSamples} fresh browser contexts per tunnel)`);
    // Its failure must not cost the figures above: it becomes a FAIL line.
    cold = await coldConnect({ tunnels: TUNNELS.filter((t) => t.key !== "ceiling"), samples: opts.coldSamples, progress: (t) => console.log(`  ${t}`) })
      .catch((e) => ({ error: e.message }));
  }

  const results = summarize({
    machine, opts, report, browserCmdline, playwright: pw, tunnelLog, cold,
    sizes: gzipSizes(server.served), durationS: (Date.now() - started) / 1000,
  });
  printReport(results);
  fs.mkdirSync(path.join(benchDir, "results"), { recursive: true });
  const out = path.join(benchDir, "results", "latest.json");
  fs.writeFileSync(out, JSON.stringify(results, null, 2) + "\n");
  fs.writeFileSync(path.join(benchDir, "results", "tunnel-log.txt"),
    tunnelLog.map((l) => `[${l.tunnel} ${l.resource}] ${l.text}`).join("\n") + "\n");
  console.log(`bench: results in ${path.relative(process.cwd(), out)}; run took ${elapsed()}`);
  exitCode = results.failures.length ? 1 : 0;
} catch (e) {
  console.error(`bench: FAIL: ${e.message}`);
  if (tunnelLog.length) {
    console.error(`bench: the tunnels' 13| LOGGING lines (last 40 of ${tunnelLog.length}):`);
    for (const l of tunnelLog.slice(-40)) console.error(`  [${l.tunnel} ${l.resource}] ${l.text}`);
  }
  exitCode = 1;
} finally {
  await cleanup();
}
process.exit(exitCode);
