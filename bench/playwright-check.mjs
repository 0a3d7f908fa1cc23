// The visible proof of the trap the benchmark avoids: the same ceiling
// bursts, the same parent page and flags, but in a Chromium launched and
// driven by Playwright (a DevTools session attached to the page, which gets
// every WebSocket frame reported). Compared with the uninstrumented ceiling.
import { chromium } from "playwright-core";
import { CHROMIUM, BENCH_ARGS } from "./chromium.mjs";
import { RESOURCES } from "./account.mjs";

let open = null; // the Playwright browser while the check runs, for closePlaywright()

/** Closes the check's browser if it is still open (the runner's clean-up on failure or Ctrl-C). */
export async function closePlaywright() {
  await open?.close().catch(() => {});
}

export async function playwrightCheck(server, { n, rounds, iframeStyle, stallMs, roundTimeoutMs }, progress) {
  const t0 = Date.now();
  const run = server.beginRun({
    mode: "playwright-check",
    tunnels: [{ key: "ceiling", path: "/ceiling/", kind: "raw", resource: RESOURCES.ceiling }],
    n, rounds, paced: { n: 0, rate: 1000, rounds: 0 }, connectSamples: 0,
    stallMs, roundTimeoutMs, stepTimeoutMs: 20000, probeMemory: false, iframeStyle,
  }, { onProgress: progress });
  server.setBrowserPid(null); // no CPU figures here: Playwright does not hand out the browser's PID
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: BENCH_ARGS });
  open = browser;
  try {
    const page = await browser.newPage();
    await page.goto(server.parentUrl(run.id));
    const timeout = new Promise((_, reject) => setTimeout(() => reject(new Error("Playwright check timed out")), 120000).unref());
    const { report } = await Promise.race([run.report, timeout]);
    return { report, seconds: (Date.now() - t0) / 1000 };
  } finally {
    await browser.close();
    open = null;
  }
}
