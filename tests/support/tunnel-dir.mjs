// A per-test copy of the built tunnel page plus its deployment config.json,
// readable by the `prosody` user (Prosody serves it with mod_http_files).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
export const builtTunnel = path.join(repoRoot, 'build', 'tunnel');

/**
 * Copies every file of `source` (default build/tunnel/) into a fresh
 * world-readable temp dir and writes config.json = config (unless undefined).
 * Tests of the infrastructure alone may pass another source directory.
 */
export function prepareTunnelDir(config, source = builtTunnel) {
  if (source === builtTunnel && !fs.existsSync(path.join(source, 'tunnel_bg.wasm'))) {
    throw new Error(`${source}/tunnel_bg.wasm does not exist: run npm run build first`);
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xmpp-tunnel-www-'));
  fs.cpSync(source, dir, { recursive: true });
  if (config !== undefined) {
    fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config));
  }
  makeWorldReadable(dir);
  return dir;
}

// mkdtemp creates 0700; the server's own user must be able to traverse it.
function makeWorldReadable(p) {
  const st = fs.statSync(p);
  fs.chmodSync(p, st.isDirectory() ? 0o755 : 0o644);
  if (st.isDirectory()) for (const e of fs.readdirSync(p)) makeWorldReadable(path.join(p, e));
}
