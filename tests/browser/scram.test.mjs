// SCRAM's salted password in a real Chromium against a real Prosody
// (SCRAM-SHA-1): derived by WebCrypto where the page has crypto.subtle, by
// the module itself where it has not (plain-http deployments), and by the
// module too when WebCrypto fails.
import { test } from "node:test";
import assert from "node:assert/strict";
import { openParent, login, received, withStack } from "./harness.mjs";

const env = withStack({});

/**
 * Runs in every frame before its scripts; in the tunnel's it notes each
 * deriveBits call (`count`), makes them fail (`reject`) or hides
 * crypto.subtle as an insecure context would (`absent`).
 */
function shapeWebCrypto(mode) {
  if (!location.pathname.includes("/tunnel/") || !self.crypto?.subtle) return;
  window.derives = [];
  if (mode === "absent") {
    Object.defineProperty(Crypto.prototype, "subtle", { get: () => undefined });
    return;
  }
  const derive = SubtleCrypto.prototype.deriveBits;
  SubtleCrypto.prototype.deriveBits = function (alg, key, bits) {
    window.derives.push({ name: alg.name, hash: alg.hash, iterations: alg.iterations, bits });
    return mode === "reject" ? Promise.reject(new Error("refused by the test")) : derive.call(this, alg, key, bits);
  };
}

async function loginWith(mode, user) {
  const context = await env.browser.newContext();
  await context.addInitScript(shapeWebCrypto, mode);
  try {
    const page = await openParent(context, env.stack);
    await login(page, env.stack.server, user, `scram-${mode}`);
    const msgs = await received(page);
    assert.ok(msgs.includes(`13|logged in as ${user}@localhost/scram-${mode} (SCRAM-SHA-1)`), msgs.join("\n"));
    const frame = page.frames().find((f) => f.url().includes("/tunnel/"));
    return await frame.evaluate(() => window.derives);
  } finally {
    await context.close();
  }
}

test("WebCrypto derives the salted password (PBKDF2, SHA-1, the server's iterations)", async () => {
  const derives = await loginWith("count", "agent5");
  assert.equal(derives.length, 1, JSON.stringify(derives));
  assert.equal(derives[0].name, "PBKDF2");
  assert.equal(derives[0].hash, "SHA-1");
  assert.equal(derives[0].bits, 160);
  assert.ok(derives[0].iterations >= 4096, JSON.stringify(derives[0]));
});

test("without crypto.subtle (an insecure context) the module derives it", async () => {
  assert.deepEqual(await loginWith("absent", "agent6"), []);
});

test("when WebCrypto fails the module derives it", async () => {
  assert.equal((await loginWith("reject", "agent7")).length, 1);
});
