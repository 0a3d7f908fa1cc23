// Shared set-up for the browser tests: a real Prosody or ejabberd serving the
// built tunnel at http://localhost:P/tunnel/, parent pages on another origin
// (http://127.0.0.1:Q), and Debian's Chromium driven by playwright-core.
import { chromium } from "playwright-core";
import { before, after } from "node:test";
import { fileURLToPath } from "node:url";
import fs from "node:fs";
import path from "node:path";
import { startProsody } from "../support/prosody.mjs";
import { startEjabberd } from "../support/ejabberd.mjs";
import { startStaticServer } from "../support/static-server.mjs";
import { prepareTunnelDir } from "../support/tunnel-dir.mjs";
import { connectClient } from "../support/xmpp-client.mjs";

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

export const CHROMIUM_ARGS = [
  "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
  "--no-first-run", "--disable-quic",
];

export function launchBrowser(extraArgs = []) {
  return chromium.launch({ executablePath: process.env.CHROMIUM || "/usr/bin/chromium", args: [...CHROMIUM_ARGS, ...extraArgs] });
}

/**
 * agent9's password as a keyboard or an IME may type it, in two forms that
 * SASLprep (RFC 4013, NFKC included) makes one: full-width letters and
 * digits with a decomposed accent, and plain ASCII with a composed one. It
 * is registered in the first form.
 */
export const UNICODE_PASSWORDS = ["Ｐａｓｓ-Zoe\u0301-１２", "Pass-Zo\u00e9-12"];

export const USERS = ["agent1", "agent2", "agent3", "agent4", "agent5", "agent6", "agent7", "agent8"]
  .map((user) => ({ user, password: `${user}-pw` }))
  .concat([{ user: "agent9", password: UNICODE_PASSWORDS[0] }, { user: "publisher", password: "publisher-pw" }]);

/**
 * Logs agent9 in with each form of its password (each in a fresh
 * context), expecting `connected` over `mechanism`, and with a password
 * that only looks alike, expecting `unauthorized` (the server does check).
 */
export async function checkUnicodePasswords(env, mechanism) {
  for (const [password, want] of [[UNICODE_PASSWORDS[0], "connected"], [UNICODE_PASSWORDS[1], "connected"], ["Pass-Zoe-12", "unauthorized"]]) {
    const context = await env.browser.newContext();
    try {
      const page = await openParent(context, env.stack);
      await page.evaluate(([d, p]) => window.send("3|nfkc", "1|agent9", `5|${d}`, `2|${p}`), [env.stack.server.domain, password]);
      await waitMessage(page, /^4\|(connected|unauthorized)$/);
      const msgs = await received(page);
      if (!msgs.includes(`4|${want}`)) throw new Error(`${password}: not ${want}:\n${msgs.join("\n")}`);
      if (want === "connected" && !msgs.includes(`13|logged in as agent9@localhost/nfkc (${mechanism})`)) {
        throw new Error(`${password}: not logged in with ${mechanism}:\n${msgs.join("\n")}`);
      }
    } finally {
      await context.close();
    }
  }
}

/**
 * Starts the parent-page server and an XMPP server whose tunnel config allows
 * the parent origin. `tunnelConfig` adds to the generated config.json;
 * `tunnelFiles` is where the tunnel page comes from (build/tunnel/ unless
 * a test serves another copy, the npm package's, say).
 */
export async function startStack({ kind = "prosody", tunnelConfig = {}, users = USERS, tunnelFiles = undefined } = {}) {
  const pages = await startStaticServer({ root: repoRoot, host: "127.0.0.1" });
  const tunnelDir = prepareTunnelDir({ allowedOrigins: [pages.origin], ...tunnelConfig }, tunnelFiles);
  const start = kind === "ejabberd" ? startEjabberd : startProsody;
  let server;
  try {
    server = await start({ tunnelDir, users, admins: ["publisher"] });
  } catch (e) {
    // Nothing may stay open: the test file's process must end (and report).
    await pages.stop();
    fs.rmSync(tunnelDir, { recursive: true, force: true });
    throw e;
  }
  return {
    pages,
    server,
    /** The raw-protocol parent page; `tunnelUrl` defaults to the server's. */
    parentUrl: (extra = "", tunnelUrl = server.tunnelUrl) =>
      `${pages.origin}/tests/browser/pages/parent.html?tunnel=${encodeURIComponent(tunnelUrl)}${extra}`,
    /** Stops everything and deletes the servers' temp dirs. */
    async stop() {
      await server.remove();
      await pages.stop();
      fs.rmSync(tunnelDir, { recursive: true, force: true });
    },
  };
}

/**
 * Registers the usual before/after hooks: a stack (server + parent pages),
 * a browser with one context, and the publisher account. The returned
 * object's fields are filled in by the time tests run.
 */
export function withStack(options = {}) {
  const env = {};
  before(async () => {
    env.stack = await startStack(options);
    env.browser = await launchBrowser();
    env.context = await env.browser.newContext();
    env.publisher = await connectPublisher(env.stack.server);
  });
  after(async () => {
    await env.publisher?.close().catch(() => {});
    await env.browser?.close();
    await env.stack?.stop();
  });
  return env;
}

/** The publisher account (an admin: may create nodes), logged in over WebSocket. */
export function connectPublisher(server) {
  return connectClient({ url: server.wsUrl, domain: server.domain, user: "publisher", password: "publisher-pw", resource: "pub" });
}

/** Opens the raw-protocol parent page and waits for `4|loaded`. */
export async function openParent(context, stack, extra = "", tunnelUrl = undefined) {
  const page = await context.newPage();
  page.on("pageerror", (e) => console.error("page error:", e.message));
  // Errors any frame logs (the tunnel's included), for failures in CI.
  // (Not the network errors the fault tests cause on purpose.)
  page.on("console", (m) => m.type() === "error" && !/^(Failed to load resource|WebSocket connection to)/.test(m.text()) && console.error("console error:", m.text()));
  await page.goto(stack.parentUrl(extra, tunnelUrl));
  await until(page, () => window.received.some((m) => m.data === "4|loaded"));
  return page;
}

/** Waits until `fn` (run in the page) is truthy. */
export async function until(page, fn, arg, timeout = 15000) {
  await page.waitForFunction(fn, arg, { timeout, polling: 50 });
}

export const received = (page) => page.evaluate(() => window.received.map((m) => m.data));

/**
 * Waits for a message equal to `data` (or matching a RegExp source). On a
 * timeout the error carries everything the parent received, so that a
 * failure (in CI, say) can be understood from its output alone.
 */
export async function waitMessage(page, data, timeout) {
  try {
    await until(page, (d) => window.received.some((m) => (d.re ? new RegExp(d.re).test(m.data) : m.data === d.s)),
      data instanceof RegExp ? { re: data.source } : { s: data }, timeout);
  } catch (e) {
    const got = await received(page).catch(() => ["(page gone)"]);
    e.message += `\nwaiting for ${data}; the parent received:\n  ${got.map((m) => m.slice(0, 300)).join("\n  ")}`;
    throw e;
  }
}

/** Logs a tunnel in with the raw protocol in the finesse.js 10.x order. */
export async function login(page, server, user, resource) {
  await page.evaluate(({ user, resource, domain, pubsub }) => {
    window.send(`3|${resource}`, `1|${user}`, `5|${domain}`, `2|${user}-pw`, `6|${pubsub}`);
  }, { user, resource, domain: server.domain, pubsub: server.pubsub });
  await waitMessage(page, "4|connected");
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
