// Process helpers shared by the private server instances: look up a system
// user, wait for a port to answer HTTP, and stop a child by its own PID.
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';

/** { uid, gid } of a system account, or null when we cannot switch users. */
export function systemUser(name) {
  if (process.getuid?.() !== 0) return null; // not root: run as ourselves
  const line = fs.readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith(`${name}:`));
  if (!line) throw new Error(`system user ${name} missing: run bash scripts/setup.sh`);
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

/** chown -R, when we have a user to give the files to. */
export function chownTree(p, owner) {
  if (!owner) return;
  fs.chownSync(p, owner.uid, owner.gid);
  if (fs.statSync(p).isDirectory()) for (const e of fs.readdirSync(p)) chownTree(`${p}/${e}`, owner);
}

/** Last lines of a log file, for error messages. */
export function tail(file, lines = 30) {
  try { return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n'); } catch { return '(no log)'; }
}

/** Resolves once GET url answers at all; rejects if `alive()` turns false or on timeout. */
export async function waitForHttp(url, { alive = () => true, timeoutMs = 20_000, headers } = {}) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!alive()) throw new Error('server exited during start-up');
    const ok = await new Promise((resolve) => {
      // (https: a test's own self-signed certificate.)
      const get = url.startsWith('https:') ? https.get : http.get;
      const req = get(url, { headers, rejectUnauthorized: false }, (res) => { res.resume(); resolve(true); });
      req.on('error', () => resolve(false));
      req.setTimeout(1000, () => req.destroy());
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no HTTP answer from ${url} within ${timeoutMs} ms`);
}

// Servers still running when Node exits get SIGKILLed by PID, so a crashed
// test run leaves none behind.
const running = new Set();
process.on('exit', () => { for (const pid of running) try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } });

/** Kill `pid` if Node exits before unguard() is called. */
export function guard(pid) {
  running.add(pid);
  return () => running.delete(pid);
}

/** Tracks a ChildProcess; returns { exited: Promise<void>, alive() }. */
export function track(child) {
  const unguard = guard(child.pid);
  let done = false;
  const exited = new Promise((resolve) => child.once('exit', () => { done = true; unguard(); resolve(); }));
  return { exited, alive: () => !done };
}

/** Asks a tracked process to stop (SIGTERM), SIGKILL after graceMs; idempotent. */
export async function stopPid(pid, { exited, alive }, graceMs = 3000) {
  if (!alive()) return;
  try { process.kill(pid, 'SIGTERM'); } catch { /* already gone */ }
  const timer = setTimeout(() => { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }, graceMs);
  await exited;
  clearTimeout(timer);
}
