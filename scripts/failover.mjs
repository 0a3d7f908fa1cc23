// `npm run failover`: each failover scenario of tests/browser/
// cluster-scenarios.mjs (a 2-node ejabberd cluster; kill -9, graceful stop,
// SIGSTOP, BOSH kill -9) run RUNS times (default 5), in Chromium, and the
// median time from the fault to `connected` on the surviving node, with
// the events lost (all inside gap windows, or a run fails). A benchmark,
// not a test: the test command runs each scenario once.
import { launchBrowser } from "../tests/browser/harness.mjs";
import { scenario, SCENARIOS } from "../tests/browser/cluster-scenarios.mjs";

const RUNS = Number(process.env.RUNS) || 5;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const browser = await launchBrowser();
const rows = [];
try {
  // (SCENARIO=name runs one.)
  for (const [name, s] of Object.entries(SCENARIOS).filter(([n]) => !process.env.SCENARIO || n === process.env.SCENARIO)) {
    const runs = [];
    for (let i = 0; i < RUNS; i++) {
      try {
        runs.push(await scenario(browser, name, s));
      } catch (e) {
        // (Its message says what the parent received; the stack would not.)
        console.error(`failover: ${name}, run ${i + 1}: ${e.message}`);
        process.exitCode = 1;
      }
    }
    if (!runs.length) continue;
    rows.push({ name, ms: runs.map((r) => r.ms), back: runs.map((r) => r.back).filter((b) => b !== undefined), lost: runs.map((r) => r.lost) });
  }
} finally {
  await browser.close();
}
console.log(`\nfailover: fault → connected on the surviving node, ${RUNS} runs each (no event lost outside a gap window)`);
console.log("| scenario | median | min–max | events lost inside gap windows (per run) |");
console.log("|---|---|---|---|");
for (const r of rows) {
  console.log(`| ${r.name} | ${median(r.ms)} ms | ${Math.min(...r.ms)}–${Math.max(...r.ms)} ms | ${r.lost.join(", ")} |`);
  if (r.back.length) console.log(`| ${r.name}: back to the rejoined node | ${median(r.back)} ms | ${Math.min(...r.back)}–${Math.max(...r.back)} ms | |`);
}
