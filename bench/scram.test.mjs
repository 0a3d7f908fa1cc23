// The SCRAM-SHA-1 server against the RFC 5802 §5 example exchange:
// node --test bench/
import test from "node:test";
import assert from "node:assert/strict";
import { ScramSha1Server, scramCredentials } from "./scram.mjs";

const creds = scramCredentials("pencil", Buffer.from("QSXCR+Q6sek8bf92", "base64"), 4096);
const lookup = (u) => (u === "user" ? creds : undefined);

test("RFC 5802 example: server-first and server signature", () => {
  const s = new ScramSha1Server(lookup, { nonce: "3rfcNHYJY1ZVvWVs7j" });
  assert.equal(s.clientFirst("n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL"),
    "r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096");
  assert.equal(s.clientFinal("c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts="),
    "v=rmF9pqV8S7suAoZWja4dJRkFsKQ=");
});

test("a wrong proof, a wrong nonce and an unknown user fail", () => {
  const bad = (first, final, cond) => {
    const s = new ScramSha1Server(lookup, { nonce: "3rfcNHYJY1ZVvWVs7j" });
    s.clientFirst(first);
    assert.throws(() => s.clientFinal(final), (e) => e.condition === cond);
  };
  const r = "fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j";
  bad("n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL", `c=biws,r=${r},p=AAAAAAAAAAAAAAAAAAAAAAAAAAA=`, "not-authorized");
  bad("n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL", "c=biws,r=other,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=", "malformed-request");
  bad("n,,n=nobody,r=fyko+d2lbbFgONRv9qkxdawL", `c=biws,r=${r},p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=`, "not-authorized");
  assert.throws(() => new ScramSha1Server(lookup).clientFirst("p=tls-unique,,n=user,r=x"), (e) => e.condition === "malformed-request");
});
