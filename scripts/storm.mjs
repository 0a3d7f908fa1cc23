// Reconnect-storm benchmark (`npm run storm`): N tunnel cores (the native
// shell in tools/storm) logged in to one private Prosody; the server is
// killed hard and restarted; we record the peak connection attempts per
// second and the time until every session is connected again — once with
// full jitter, once without, for comparison. A benchmark, not a test.
import { spawn, execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import readline from "node:readline";
import { startProsody } from "../tests/support/prosody.mjs";
import { repoRoot } from "../tests/support/tunnel-dir.mjs";

const SESSIONS = Number(process.env.STORM_SESSIONS) || 500;
const USERS = 50;
const DOWN_MS = 2000;

execFileSync("cargo", ["build", "--quiet", "--release", "-p", "storm"], { cwd: repoRoot, stdio: "inherit" });
const bin = path.join(repoRoot, "target", "release", "storm");

async function round(jitter) {
  const empty = fs.mkdtempSync(path.join(os.tmpdir(), "xmpp-tunnel-storm-"));
  fs.chmodSync(empty, 0o755);
  const users = Array.from({ length: USERS }, (_, i) => ({ user: `storm${i}`, password: `storm-pw-${i}` }));
  const server = await startProsody({ tunnelDir: empty, users });
  const tool = spawn(bin, [server.wsUrl, server.domain, String(SESSIONS), jitter ? "on" : "off", String(USERS), "storm-pw-"],
    { stdio: ["pipe", "pipe", "inherit"] });
  const lines = readline.createInterface({ input: tool.stdout });
  const next = () => new Promise((resolve) => lines.once("line", resolve));
  try {
    const ready = await next();
    console.log(`storm: ${SESSIONS} sessions connected (${ready}); killing the server for ${DOWN_MS} ms (jitter ${jitter ? "on" : "off"})`);
    tool.stdin.write("reset\n");
    await server.kill();
    await new Promise((r) => setTimeout(r, DOWN_MS));
    await server.restart();
    const deadline = Date.now() + 180_000;
    let report;
    do {
      await new Promise((r) => setTimeout(r, 1000));
      tool.stdin.write("report\n");
      report = JSON.parse(await next());
    } while (report.connectedNow < SESSIONS && Date.now() < deadline);
    return report;
  } finally {
    tool.stdin.end("quit\n");
    await new Promise((r) => tool.once("exit", r));
    await server.remove();
    fs.rmSync(empty, { recursive: true, force: true });
  }
}

const results = {};
for (const jitter of [true, false]) results[jitter ? "jitter" : "no jitter"] = await round(jitter);
console.log("\nstorm: results (times from the first attempt after the kill)");
console.log("| | attempts | peak in 1 s | peak in 100 ms (as /s) | all back after | sessions back |");
console.log("|---|---|---|---|---|---|");
for (const [name, r] of Object.entries(results)) {
  console.log(`| ${name} | ${r.attempts} | ${r.peakAttemptsPerSecond} | ${r.peakAttemptsPer100ms} (${r.peakAttemptsPer100ms * 10}/s) | ${(r.allBackAfterMs / 1000).toFixed(1)} s | ${r.connectedNow}/${r.sessions} |`);
}
