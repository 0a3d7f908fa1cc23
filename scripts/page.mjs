// The tunnel page's one script goes inline into index.html (one round trip
// fewer before the module and config.json are fetched), and a deployment
// that sends a Content-Security-Policy must allow that script by its hash.
//
//   node scripts/page.mjs inline PAGE.html SCRIPT.js OUT.html
//       writes PAGE with its <script type="module" src="SCRIPT-name"></script>
//       replaced by the script's text, inline
//   node scripts/page.mjs csp [build/tunnel/index.html]
//       prints the script-src a CSP for that page needs
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const builtPage = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "build", "tunnel", "index.html");

/** The CSP script-src for every inline script of `html`: hashes, and wasm compilation. */
export function scriptSrc(html) {
  const hashes = [...html.matchAll(/<script(?: type="module")?>([\s\S]*?)<\/script>/g)]
    .map((m) => `'sha256-${crypto.createHash("sha256").update(m[1], "utf8").digest("base64")}'`);
  return `script-src ${hashes.join(" ")} 'wasm-unsafe-eval'`;
}

function inline(pagePath, scriptPath, outPath) {
  const page = fs.readFileSync(pagePath, "utf8");
  const script = fs.readFileSync(scriptPath, "utf8").trimEnd();
  const tag = `<script type="module" src="${path.basename(scriptPath)}"></script>`;
  if (!page.includes(tag)) throw new Error(`${pagePath} has no ${tag}`);
  // The HTML parser would end the script at the first "</script" in it.
  if (/<\/script/i.test(script) || script.includes("<!--")) throw new Error(`${scriptPath} cannot go inline as it is`);
  fs.writeFileSync(outPath, page.replace(tag, () => `<script type="module">${script}</script>`));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [cmd, ...args] = process.argv.slice(2);
  if (cmd === "inline" && args.length === 3) inline(...args);
  else if (cmd === "csp" && args.length <= 1) console.log(scriptSrc(fs.readFileSync(args[0] ?? builtPage, "utf8")));
  else {
    console.error("usage: node scripts/page.mjs inline PAGE.html SCRIPT.js OUT.html | csp [PAGE.html]");
    process.exit(2);
  }
}
