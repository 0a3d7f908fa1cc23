// The SCRAM fallback's own thread, for pages without WebCrypto (plain http):
// scram.wasm runs PBKDF2 here, never on the tunnel page's thread, where a
// hostile iteration count (up to the 1,000,000 the core accepts, over a
// second) would freeze the page. Started by the bootstrap at the first login
// that needs it. Each message is [id, bits, keyed, secret, salt, iterations,
// auth]; the answer [id, answer] or [id, undefined, error]. The secret, which
// the page transferred here, is wiped once used; scram.wasm wipes its copies.
import init, { derive } from "../../build/pkg/scram.js";

const ready = init({ module_or_path: "scram.wasm" });

onmessage = async ({ data: [id, bits, keyed, secret, salt, iterations, auth] }) => {
  try {
    await ready;
    const answer = derive(bits, keyed, secret, salt, iterations, auth);
    postMessage([id, answer], [answer.buffer]);
  } catch (e) {
    postMessage([id, undefined, String(e)]);
  } finally {
    secret.fill(0);
  }
};
