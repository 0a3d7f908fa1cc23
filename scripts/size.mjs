// Prints what the tunnel page makes a browser download: each file of
// build/tunnel/ raw and gzipped (level 9), and two totals: the page as every
// secure (https) page loads it, and with scram.wasm and its worker, which
// only a page without WebCrypto (plain http) fetches, at login. `--max BYTES` fails when
// the first total is above it, `--max-insecure BYTES` the second.
import fs from "node:fs";
import path from "node:path";
import zlib from "node:zlib";
import { fileURLToPath } from "node:url";

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "build", "tunnel");
const ONLY_INSECURE = ["scram.wasm", "scram-worker.js"];
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
const budgets = { secure: limit("--max"), insecure: limit("--max-insecure") };
const total = { secure: [0, 0], insecure: [0, 0] };
// Everything build.sh wrote (config.json is the deployment's, not ours).
for (const f of fs.readdirSync(dir).filter((f) => f !== "config.json").sort()) {
  const data = fs.readFileSync(path.join(dir, f));
  const z = zlib.gzipSync(data, { level: 9 }).length;
  for (const k of ONLY_INSECURE.includes(f) ? ["insecure"] : ["secure", "insecure"]) {
    total[k][0] += data.length;
    total[k][1] += z;
  }
  console.log(`size: ${f.padEnd(15)} ${String(data.length).padStart(7)} B  ${String(z).padStart(6)} B gzipped`);
}
let failed = false;
for (const [k, label] of [["secure", "page (https)"], ["insecure", "page (http, + scram)"]]) {
  const [raw, gz] = total[k];
  const max = budgets[k];
  const verdict = max === Infinity ? "" : gz > max ? `  FAIL: over its budget of ${max} B` : `  (budget ${max} B, ${max - gz} B to spare)`;
  console.log(`size: ${label.padEnd(26)} ${String(raw).padStart(7)} B  ${String(gz).padStart(6)} B gzipped${verdict}`);
  if (gz > max) failed = true;
}
if (failed) {
  console.error("size: FAIL: the tunnel page is over its budget");
  process.exit(1);
}
