// Reconnect-storm benchmark (`npm run storm`): N tunnel cores (the native
// shell in tools/storm) logged in to one private Prosody; the server is
// killed hard and restarted; we record the peak connection attempts per
// second and the time until every session is connected again — once with
// full jitter, once without, for comparison. A benchmark, not a test.
// `npm run storm -- --cluster`: the same against a 2-node ejabberd cluster,
// the sessions spread over both nodes; one node is killed for good, and
// every session must land on the survivor.
import { spawn, execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import readline from "node:readline";
import { startProsody } from "../tests/support/prosody.mjs";
import { startEjabberdCluster } from "../tests/support/ejabberd-cluster.mjs";
import { repoRoot } from "../tests/support/tunnel-dir.mjs";

const SESSIONS = Number(process.env.STORM_SESSIONS) || 500;
const CLUSTER = process.argv.includes("--cluster");
const USERS = 50;
const DOWN_MS = 2000;

execFileSync("cargo", ["build", "--quiet", "--release", "-p", "storm"], { cwd: repoRoot, stdio: "inherit" });
const bin = path.join(repoRoot, "target", "release", "storm");

async function round(jitter) {
  const empty = fs.mkdtempSync(path.join(os.tmpdir(), "xmpp-tunnel-storm-"));
  fs.chmodSync(empty, 0o755);
  const users = Array.from({ length: USERS }, (_, i) => ({ user: `storm${i}`, password: `storm-pw-${i}` }));
  const cluster = CLUSTER ? await startEjabberdCluster({ tunnelDir: empty, users }) : undefined;
  const server = cluster ? cluster.nodes[0] : await startProsody({ tunnelDir: empty, users });
  const urls = cluster ? cluster.nodes.map((n) => n.wsUrl).join(",") : server.wsUrl;
  const tool = spawn(bin, [urls, server.domain, String(SESSIONS), jitter ? "on" : "off", String(USERS), "storm-pw-"],
    { stdio: ["pipe", "pipe", "inherit"] });
  const lines = readline.createInterface({ input: tool.stdout });
  const next = () => new Promise((resolve) => lines.once("line", resolve));
  try {
    const ready = await next();
    tool.stdin.write("reset\n");
    if (cluster) {
      console.log(`storm: ${SESSIONS} sessions connected over two nodes (${ready}); killing one for good (jitter ${jitter ? "on" : "off"})`);
      await server.kill();
    } else {
      console.log(`storm: ${SESSIONS} sessions connected (${ready}); killing the server for ${DOWN_MS} ms (jitter ${jitter ? "on" : "off"})`);
      await server.kill();
      await new Promise((r) => setTimeout(r, DOWN_MS));
      await server.restart();
    }
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
    await (cluster ? cluster.stop() : server.remove());
    fs.rmSync(empty, { recursive: true, force: true });
  }
}

const results = {};
const rounds = { on: [true], off: [false] }[process.env.STORM_JITTER] ?? [true, false];
for (const jitter of rounds) results[jitter ? "jitter" : "no jitter"] = await round(jitter);
console.log(`\nstorm: results${CLUSTER ? " (2-node ejabberd cluster, one node killed)" : ""} (times from the first attempt after the kill)`);
console.log("| | attempts | peak in 1 s | peak in 100 ms (as /s) | all back after | sessions back |");
console.log("|---|---|---|---|---|---|");
for (const [name, r] of Object.entries(results)) {
  console.log(`| ${name} | ${r.attempts} | ${r.peakAttemptsPerSecond} | ${r.peakAttemptsPer100ms} (${r.peakAttemptsPer100ms * 10}/s) | ${(r.allBackAfterMs / 1000).toFixed(1)} s | ${r.connectedNow}/${r.sessions} |`);
  if (r.ended) console.log(`storm: ${name}: sessions that ended for good (index:status): ${r.ended}`);
}
