// Prints what the tunnel page makes a browser download: each file of
// build/tunnel/ raw and gzipped (level 9), and the total.
import fs from "node:fs";
import path from "node:path";
import zlib from "node:zlib";
import { fileURLToPath } from "node:url";

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "build", "tunnel");
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
