// npm's prepack step, after the build: copies the built tunnel page
// (build/tunnel/, without the test deployment's config.json) into tunnel/,
// which the package ships as `xmpp-tunnel/tunnel/…`, with an example
// config.json for the deployer to copy and edit. A deployer then needs no
// Rust: the files are in the package.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), "..");
const from = path.join(root, "build", "tunnel");
const to = path.join(root, "tunnel");
if (!fs.existsSync(path.join(from, "tunnel_bg.wasm"))) {
  console.error("pack-tunnel: build/tunnel/ is not built (npm run build)");
  process.exit(1);
}
fs.rmSync(to, { recursive: true, force: true });
fs.mkdirSync(to);
for (const f of fs.readdirSync(from).filter((f) => f !== "config.json")) {
  fs.copyFileSync(path.join(from, f), path.join(to, f));
}
const example = {
  allowedOrigins: ["https://desk.example.com"],
  websocket: ["/ws/"],
  bosh: ["/http-bind/"],
};
fs.writeFileSync(path.join(to, "config.example.json"), JSON.stringify(example, null, 2) + "\n");
console.log(`pack-tunnel: ${fs.readdirSync(to).join(", ")} → tunnel/`);
