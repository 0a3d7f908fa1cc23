// The server side of SCRAM-SHA-1 (RFC 5802), with node:crypto. The server
// keeps only StoredKey/ServerKey per user (as real servers do), checks the
// client proof and returns the server signature, which both tunnels verify.
import crypto from "node:crypto";

export const ITERATIONS = 4096;

const hmac = (key, text) => crypto.createHmac("sha1", key).update(text).digest();
const sha1 = (data) => crypto.createHash("sha1").update(data).digest();

export class ScramError extends Error {
  /** `condition`: the SASL failure condition to send (RFC 6120 §6.5). */
  constructor(condition, message) {
    super(message);
    this.condition = condition;
  }
}

/** What the server stores for a password (ASCII passwords: SASLprep is the identity). */
export function scramCredentials(password, salt = crypto.randomBytes(16), iterations = ITERATIONS) {
  const salted = crypto.pbkdf2Sync(Buffer.from(password, "utf8"), salt, iterations, 20, "sha1");
  return { salt, iterations, storedKey: sha1(hmac(salted, "Client Key")), serverKey: hmac(salted, "Server Key") };
}

// "a=1,b=2" → Map; attribute values may contain '=' (base64), not ','.
function attributes(text) {
  const out = new Map();
  for (const part of text.split(",")) {
    const m = /^([A-Za-z])=(.*)$/s.exec(part);
    if (!m) throw new ScramError("malformed-request", `bad SCRAM attribute ${JSON.stringify(part)}`);
    out.set(m[1], m[2]);
  }
  return out;
}

// saslname: "=2C" is ',', "=3D" is '='; any other '=' is an error.
function decodeName(name) {
  if (/=(?!2C|3D)/.test(name)) throw new ScramError("malformed-request", "bad saslname");
  return name.replace(/=2C/g, ",").replace(/=3D/g, "=");
}

/**
 * One SCRAM-SHA-1 exchange. `lookup(user)` → credentials or undefined;
 * `nonce` (tests only) fixes the server's part of the nonce.
 */
export class ScramSha1Server {
  constructor(lookup, { nonce } = {}) {
    this.lookup = lookup;
    this.serverNonce = nonce ?? crypto.randomBytes(18).toString("base64");
  }

  /** client-first-message (decoded) → server-first-message. */
  clientFirst(message) {
    // gs2-header: no channel binding ('n' or 'y'; 'p' needs TLS), optional authzid.
    const m = /^([ny]),(?:a=([^,]*))?,(.*)$/s.exec(message);
    if (!m) throw new ScramError("malformed-request", "bad gs2 header (channel binding is not supported)");
    this.gs2Header = message.slice(0, message.length - m[3].length);
    this.clientFirstBare = m[3];
    const attrs = attributes(m[3]);
    if (attrs.has("m")) throw new ScramError("malformed-request", "mandatory extension not supported");
    const cnonce = attrs.get("r");
    if (!attrs.has("n") || !cnonce) throw new ScramError("malformed-request", "missing n= or r=");
    this.user = decodeName(attrs.get("n"));
    this.authzid = m[2] === undefined ? undefined : decodeName(m[2]);
    // An unknown user gets a made-up salt and fails at the proof, like a real
    // server (which does not reveal which accounts exist).
    this.creds = this.lookup(this.user) ?? scramCredentials(crypto.randomBytes(8).toString("hex"));
    this.known = this.lookup(this.user) !== undefined;
    this.nonce = cnonce + this.serverNonce;
    this.serverFirst = `r=${this.nonce},s=${this.creds.salt.toString("base64")},i=${this.creds.iterations}`;
    return this.serverFirst;
  }

  /** client-final-message (decoded) → server-final-message ("v=…"), or throws. */
  clientFinal(message) {
    const at = message.lastIndexOf(",p=");
    if (at < 0) throw new ScramError("malformed-request", "missing proof");
    const withoutProof = message.slice(0, at);
    const proof = Buffer.from(message.slice(at + 3), "base64");
    const attrs = attributes(withoutProof);
    if (attrs.get("c") !== Buffer.from(this.gs2Header).toString("base64")) {
      throw new ScramError("malformed-request", "channel binding does not match the gs2 header");
    }
    if (attrs.get("r") !== this.nonce) throw new ScramError("malformed-request", "nonce mismatch");
    const authMessage = `${this.clientFirstBare},${this.serverFirst},${withoutProof}`;
    const signature = hmac(this.creds.storedKey, authMessage);
    if (proof.length !== signature.length) throw new ScramError("not-authorized", "bad proof length");
    const clientKey = Buffer.alloc(signature.length);
    for (let i = 0; i < signature.length; i++) clientKey[i] = proof[i] ^ signature[i];
    if (!this.known || !crypto.timingSafeEqual(sha1(clientKey), this.creds.storedKey)) {
      throw new ScramError("not-authorized", "wrong password");
    }
    return `v=${hmac(this.creds.serverKey, authMessage).toString("base64")}`;
  }
}
