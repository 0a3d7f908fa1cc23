// Prints what the tunnel pages make a browser download: each file of
// build/tunnel/ raw and gzipped (level 9), and the totals: the page
// (index.html and tunnel_bg.wasm) as every secure (https) page loads it,
// the same with scram.wasm and its worker, which only a page without
// WebCrypto (plain http) fetches, at login, and the page with instant
// messaging (im.html and tunnel-im_bg.wasm). `--max BYTES` fails when the
// first total is above it, `--max-insecure BYTES` the second, `--max-im
// BYTES` the third.
import fs from "node:fs";
import path from "node:path";
import zlib from "node:zlib";
import { fileURLToPath } from "node:url";

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "build", "tunnel");
const limit = (flag) => {
  const at = process.argv.indexOf(flag);
  if (at < 0) return Infinity;
  const n = Number(process.argv[at + 1]);
  if (!(n > 0)) {
    console.error(`size: ${flag} needs a number of bytes`);
    process.exit(2);
  }
  return n;
};
const pages = [
  { label: "page (https)", max: limit("--max"), files: ["index.html", "tunnel_bg.wasm"] },
  { label: "page (http, + scram)", max: limit("--max-insecure"), files: ["index.html", "tunnel_bg.wasm", "scram.wasm", "scram-worker.js"] },
  { label: "IM page (https)", max: limit("--max-im"), files: ["im.html", "tunnel-im_bg.wasm"] },
];
const sizes = new Map();
// Everything build.sh wrote (config.json is the deployment's, not ours).
for (const f of fs.readdirSync(dir).filter((f) => f !== "config.json").sort()) {
  const data = fs.readFileSync(path.join(dir, f));
  const z = zlib.gzipSync(data, { level: 9 }).length;
  sizes.set(f, [data.length, z]);
  console.log(`size: ${f.padEnd(17)} ${String(data.length).padStart(7)} B  ${String(z).padStart(6)} B gzipped`);
}
let failed = false;
for (const { label, max, files } of pages) {
  const missing = files.filter((f) => !sizes.has(f));
  if (missing.length) {
    console.error(`size: ${missing.join(", ")} missing: run npm run build`);
    process.exit(1);
  }
  const raw = files.reduce((n, f) => n + sizes.get(f)[0], 0);
  const gz = files.reduce((n, f) => n + sizes.get(f)[1], 0);
  const verdict = max === Infinity ? "" : gz > max ? `  FAIL: over its budget of ${max} B` : `  (budget ${max} B, ${max - gz} B to spare)`;
  console.log(`size: ${label.padEnd(26)} ${String(raw).padStart(7)} B  ${String(gz).padStart(6)} B gzipped${verdict}`);
  if (gz > max) failed = true;
}
if (failed) {
  console.error("size: FAIL: a tunnel page is over its budget");
  process.exit(1);
}
