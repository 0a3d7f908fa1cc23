// CPU time of the Chromium we started, from /proc: its process tree, and the
// renderers in it (`--type=renderer` in /proc/PID/cmdline), where the parent
// page and the tunnel pages run.
import fs from "node:fs";
import { execFileSync } from "node:child_process";

let clockTicks;
function ticksPerSecond() {
  if (clockTicks === undefined) {
    try { clockTicks = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100; } catch { clockTicks = 100; }
  }
  return clockTicks;
}

// /proc/PID/stat: "pid (comm) state ppid … utime stime …"; comm may hold spaces.
function stat(pid) {
  try {
    const s = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = s.slice(s.lastIndexOf(")") + 2).split(" ");
    return { ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]) };
  } catch { return null; }
}

/** PIDs of `root` and all its descendants. */
export function processTree(root) {
  const children = new Map();
  for (const name of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const st = stat(name);
    if (!st) continue;
    if (!children.has(st.ppid)) children.set(st.ppid, []);
    children.get(st.ppid).push(Number(name));
  }
  const out = [];
  const walk = (pid) => { out.push(pid); for (const c of children.get(pid) ?? []) walk(c); };
  walk(root);
  return out;
}

/**
 * The command line of a process as an array of words ([] when it is gone).
 * Chromium's child processes rewrite their title, so their /proc cmdline is
 * one space-separated string rather than NUL-separated arguments: split on
 * both (good enough to find flags, which contain no spaces).
 */
export function cmdline(pid) {
  try { return fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split(/[\0 ]/).filter(Boolean); } catch { return []; }
}

/**
 * A CPU snapshot of the Chromium tree rooted at `browserPid`:
 * { renderers: { pid: ms }, all: ms } with utime+stime in ms.
 */
export function cpuSnapshot(browserPid) {
  const msPerTick = 1000 / ticksPerSecond();
  const renderers = {};
  let all = 0;
  for (const pid of processTree(browserPid)) {
    const st = stat(pid);
    if (!st) continue;
    all += st.ticks * msPerTick;
    if (cmdline(pid).includes("--type=renderer")) renderers[pid] = st.ticks * msPerTick;
  }
  return { renderers, all };
}

/** Renderer CPU ms between two snapshots (a renderer new in `after` counts from 0). */
export function cpuDelta(before, after) {
  const perPid = {};
  let renderers = 0;
  for (const [pid, ms] of Object.entries(after.renderers)) {
    const d = ms - (before.renderers[pid] ?? 0);
    if (d > 0) perPid[pid] = d;
    renderers += d;
  }
  return { renderers, perPid, all: after.all - before.all };
}
