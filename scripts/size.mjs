// Prints what the tunnel page makes a browser download: each file of
// build/tunnel/ raw and gzipped (level 9), and the total. With
// `--max BYTES`, fails when the gzipped total is above it.
import fs from "node:fs";
import path from "node:path";
import zlib from "node:zlib";
import { fileURLToPath } from "node:url";

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "build", "tunnel");
const at = process.argv.indexOf("--max");
const max = at > 0 ? Number(process.argv[at + 1]) : Infinity;
if (!(max > 0)) {
  console.error("size: --max needs a number of bytes");
  process.exit(2);
}
let raw = 0, gz = 0;
// Everything build.sh wrote (config.json is the deployment's, not ours).
for (const f of fs.readdirSync(dir).filter((f) => f !== "config.json").sort()) {
  const data = fs.readFileSync(path.join(dir, f));
  const z = zlib.gzipSync(data, { level: 9 }).length;
  raw += data.length;
  gz += z;
  console.log(`size: ${f.padEnd(15)} ${String(data.length).padStart(7)} B  ${String(z).padStart(6)} B gzipped`);
}
console.log(`size: ${"total".padEnd(15)} ${String(raw).padStart(7)} B  ${String(gz).padStart(6)} B gzipped`);
if (gz > max) {
  console.error(`size: FAIL: the tunnel page is ${gz} B gzipped, over its budget of ${max} B`);
  process.exit(1);
}
if (max !== Infinity) console.log(`size: within the budget of ${max} B (${(max - gz)} B to spare)`);
