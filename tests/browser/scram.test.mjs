// SCRAM's keys and proof in a real Chromium against a real Prosody
// (SCRAM-SHA-1): the tunnel's module has no hashes, so the page computes
// them, by WebCrypto where it has crypto.subtle, by scram.wasm (fetched only
// then) where it has not (plain-http deployments) or WebCrypto fails; and
// with neither, the login fails with a clear line and is retried, not taken
// for a wrong password.
import { test } from "node:test";
import assert from "node:assert/strict";
import { openParent, login, received, waitMessage, sleep, withStack } from "./harness.mjs";

const env = withStack({});

/**
 * Runs in every frame before its scripts; in the tunnel's it notes each
 * deriveKey call (`count`), makes them fail (`reject`) or hides
 * crypto.subtle as an insecure context would (`absent`).
 */
function shapeWebCrypto(mode) {
  if (!location.pathname.includes("/tunnel/") || !self.crypto?.subtle) return;
  window.derives = [];
  if (mode === "absent") {
    Object.defineProperty(Crypto.prototype, "subtle", { get: () => undefined });
    return;
  }
  const derive = SubtleCrypto.prototype.deriveKey;
  SubtleCrypto.prototype.deriveKey = function (alg, key, derived, ...rest) {
    window.derives.push({ name: alg.name, hash: alg.hash, iterations: alg.iterations, bits: derived.length });
    return mode === "reject" ? Promise.reject(new Error("refused by the test")) : derive.call(this, alg, key, derived, ...rest);
  };
}

async function loginWith(mode, user, { blockScramWasm = false } = {}) {
  const context = await env.browser.newContext();
  await context.addInitScript(shapeWebCrypto, mode);
  if (blockScramWasm) await context.route((url) => url.pathname.endsWith("/scram.wasm"), (route) => route.abort());
  // scram.wasm is fetched, and run, by the fallback's worker: never on the
  // tunnel page's thread (a hostile iteration count would freeze it).
  const workers = [];
  let fetchedScramWasm = false;
  context.on("request", (r) => { if (r.url().endsWith("/scram.wasm")) fetchedScramWasm = true; });
  try {
    const page = await openParent(context, env.stack);
    page.on("worker", (w) => workers.push(new URL(w.url()).pathname));
    if (blockScramWasm) {
      await page.evaluate(([d, u]) => window.send(`1|${u}`, `2|${u}-pw`, `3|scram-${u}`, `5|${d}`), [env.stack.server.domain, user]);
      await waitMessage(page, /^13\|the page could not compute SCRAM's proof/);
      await sleep(300);
      return { msgs: await received(page) };
    }
    await login(page, env.stack.server, user, `scram-${mode}`);
    const msgs = await received(page);
    assert.ok(msgs.includes(`13|logged in as ${user}@localhost/scram-${mode} (SCRAM-SHA-1)`), msgs.join("\n"));
    const frame = page.frames().find((f) => f.url().includes("/tunnel/"));
    const derives = await frame.evaluate(() => window.derives);
    return { derives, fetchedScramWasm, scramWorker: workers.some((w) => w.endsWith("/tunnel/scram-worker.js")) };
  } finally {
    await context.close();
  }
}

test("WebCrypto computes it (PBKDF2, SHA-1, the server's iterations); scram.wasm is not fetched", async () => {
  const { derives, fetchedScramWasm, scramWorker } = await loginWith("count", "agent5");
  assert.equal(derives.length, 1, JSON.stringify(derives));
  assert.equal(scramWorker, false);
  assert.equal(derives[0].name, "PBKDF2");
  assert.equal(derives[0].hash, "SHA-1");
  assert.equal(derives[0].bits, 160);
  assert.ok(derives[0].iterations >= 4096, JSON.stringify(derives[0]));
  assert.equal(fetchedScramWasm, false);
});

test("without crypto.subtle (an insecure context) scram.wasm computes it, in a worker", async () => {
  assert.deepEqual(await loginWith("absent", "agent6"), { derives: [], fetchedScramWasm: true, scramWorker: true });
});

test("when WebCrypto fails scram.wasm computes it", async () => {
  const { derives, fetchedScramWasm, scramWorker } = await loginWith("reject", "agent7");
  assert.equal(derives.length, 1);
  assert.equal(fetchedScramWasm, true);
  assert.equal(scramWorker, true);
});

test("with neither, the login fails with a clear line and is retried, not reported unauthorized", async () => {
  const { msgs } = await loginWith("absent", "agent8", { blockScramWasm: true });
  assert.ok(!msgs.includes("4|unauthorized"), msgs.join("\n"));
  assert.ok(!msgs.some((m) => m.startsWith("4|connected")), msgs.join("\n"));
  assert.ok(msgs.includes("4|reconnecting") || msgs.some((m) => /^13\|reconnecting in/.test(m)), msgs.join("\n"));
});
