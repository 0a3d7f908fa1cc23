// Debian's Chromium, started directly with the parent URL on its command
// line: no Playwright, no CDP, no --remote-debugging-*. A page with a
// DevTools client attached reports every WebSocket frame to it, which costs
// the page a large share of its throughput (measured: about a third of the
// ceiling's), so the measured pages must run with none attached.
import { spawn, execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { CHROMIUM_ARGS } from "../tests/browser/harness.mjs";
import { track, guard } from "../tests/support/proc.mjs";
import { cmdline, processTree } from "./procstat.mjs";

export const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";

/** Flags for every benchmark browser: the test harness's, plus gc() and exact heap figures. */
export const BENCH_ARGS = [...CHROMIUM_ARGS, "--js-flags=--expose-gc", "--enable-precise-memory-info"];

/** "Chromium 156.0.8078.114 built on Debian GNU/Linux 12 (bookworm)" */
export function chromiumVersion() {
  try { return execFileSync(CHROMIUM, ["--version"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim(); } catch { return "unknown"; }
}

/**
 * launchChromium(url) → { pid, cmdline(), logFile, exited, stop() }.
 * Fresh profile in a temp dir; its own process group, so stop() ends the
 * browser and every process it started, by that group's id.
 * `{ args, pipe: true }` (the cold-connect run, cdp.mjs): other flags, and
 * DevTools over --remote-debugging-pipe (fds 3 and 4, as `pipes`).
 */
export function launchChromium(url, { args = BENCH_ARGS, pipe = false } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "xmpp-tunnel-bench-chromium-"));
  const logFile = path.join(dir, "chromium.log");
  const out = fs.openSync(logFile, "a");
  const flags = [...args, `--user-data-dir=${path.join(dir, "profile")}`, ...(pipe ? ["--remote-debugging-pipe"] : []), url];
  const child = spawn(CHROMIUM, flags, {
    detached: true, stdio: ["ignore", out, out, ...(pipe ? ["pipe", "pipe"] : [])],
  });
  fs.closeSync(out);
  const tracked = track(child);
  // If Node dies first, the renderers must not outlive it either.
  const unguardGroup = guardGroup(child.pid);
  let stopped;
  return {
    pid: child.pid,
    logFile,
    pipes: pipe ? { toBrowser: child.stdio[3], fromBrowser: child.stdio[4] } : null,
    exited: tracked.exited,
    alive: tracked.alive,
    /** The browser's own command line (the /usr/bin/chromium script execs the binary: same PID). */
    cmdline: () => cmdline(child.pid),
    processes: () => processTree(child.pid),
    log: () => { try { return fs.readFileSync(logFile, "utf8"); } catch { return ""; } },
    /** SIGTERM to the group, SIGKILL after 3 s; then the profile is deleted. Idempotent. */
    stop() {
      stopped ??= (async () => {
        killGroup(child.pid, "SIGTERM");
        const timer = setTimeout(() => killGroup(child.pid, "SIGKILL"), 3000);
        await tracked.exited;
        clearTimeout(timer);
        // Children of the browser (zygote, renderers) go with it; make sure.
        killGroup(child.pid, "SIGKILL");
        unguardGroup();
        fs.rmSync(dir, { recursive: true, force: true });
      })();
      return stopped;
    },
  };
}

function killGroup(pid, signal) {
  try { process.kill(-pid, signal); } catch { /* already gone */ }
}

// proc.mjs's guard() kills one PID at exit; this kills the browser's group.
const groups = new Set();
process.on("exit", () => { for (const pid of groups) killGroup(pid, "SIGKILL"); });
function guardGroup(pid) {
  const unguard = guard(pid);
  groups.add(pid);
  return () => { groups.delete(pid); unguard(); };
}
