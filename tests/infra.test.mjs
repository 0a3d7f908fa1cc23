// Proves the test infrastructure against the real servers, without the
// tunnel: file serving at /tunnel/, logins, PubSub delivery of Finesse-style
// escaped notifications to a full JID, and the demo publisher.
// Run: node --test tests/infra.test.mjs
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'ltx';
import { builtTunnel, prepareTunnelDir } from './support/tunnel-dir.mjs';
import { startProsody } from './support/prosody.mjs';
import { startEjabberd } from './support/ejabberd.mjs';
import { connectClient, escapeXml, pubsubItems, NS } from './support/xmpp-client.mjs';
import { startPublisher, notificationPayload } from '../scripts/publisher.mjs';

const USERS = [
  { user: 'publisher', password: 'pub-secret' },
  { user: '1001001', password: 'agent & <pw>' }, // must survive escaping
];
const CONFIG = { allowedOrigins: ['http://127.0.0.1:5555'] };

// build/tunnel when it has been built, else a stand-in with the same shape.
function tunnelSource() {
  if (fs.existsSync(path.join(builtTunnel, 'tunnel_bg.wasm'))) return builtTunnel;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xmpp-tunnel-dummy-'));
  fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>dummy tunnel</title>\n');
  fs.writeFileSync(path.join(dir, 'tunnel_bg.wasm'), Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]));
  return dir;
}

// Resolves with the first `count` PubSub items `client` receives.
function collectItems(client, count, timeoutMs = 10_000) {
  return new Promise((resolve, reject) => {
    const items = [];
    const timer = setTimeout(() => { off(); reject(new Error(`got ${items.length}/${count} items`)); }, timeoutMs);
    const off = client.onStanza((el) => {
      items.push(...pubsubItems(el));
      if (items.length >= count) { clearTimeout(timer); off(); resolve(items); }
    });
  });
}

for (const [kind, startServer] of [['prosody', startProsody], ['ejabberd', startEjabberd]]) {
  describe(`${kind} infrastructure`, { timeout: 90_000 }, () => {
    let server, source, tunnelDir;
    const clients = [];
    const login = async (i, resource) => {
      const c = await connectClient({ url: server.wsUrl, domain: server.domain, ...USERS[i], resource });
      clients.push(c);
      return c;
    };

    before(async () => {
      source = tunnelSource();
      tunnelDir = prepareTunnelDir(CONFIG, source);
      server = await startServer({ tunnelDir, users: USERS, admins: ['publisher'] });
    });
    after(async () => {
      await Promise.all(clients.map((c) => c.close()));
      await server?.remove();
      fs.rmSync(tunnelDir, { recursive: true, force: true });
      if (source !== builtTunnel) fs.rmSync(source, { recursive: true, force: true });
    });

    test('serves the tunnel files at /tunnel/ with the right types', async () => {
      const index = await fetch(server.tunnelUrl);
      assert.equal(index.status, 200);
      assert.equal(await index.text(), fs.readFileSync(path.join(source, 'index.html'), 'utf8'));
      const wasm = await fetch(`${server.tunnelUrl}tunnel_bg.wasm`);
      assert.equal(wasm.headers.get('content-type'), 'application/wasm');
      assert.deepEqual(Buffer.from(await wasm.arrayBuffer()), fs.readFileSync(path.join(source, 'tunnel_bg.wasm')));
      const config = await fetch(`${server.tunnelUrl}config.json`);
      assert.match(config.headers.get('content-type'), /^application\/json/);
      assert.deepEqual(await config.json(), CONFIG);
    });

    test('an escaped-text notification reaches a full-JID subscriber intact', async () => {
      const pub = await login(0, 'pub');
      const sub = await login(1, 'desk');
      assert.equal(sub.jid, `1001001@localhost/desk`);
      assert.ok(pub.mechanisms.includes('PLAIN') && pub.mechanisms.includes('SCRAM-SHA-1'), String(pub.mechanisms));
      const node = '/finesse/api/User/1001001';
      await pub.createNode(server.pubsub, node);
      await pub.createNode(server.pubsub, node); // idempotent
      const subscribed = parse(await sub.subscribe(server.pubsub, node));
      assert.equal(subscribed.getChild('pubsub', NS.pubsub).getChild('subscription').attrs.jid, sub.jid);

      const update = `<Update><data><user><state>READY</state><note>a &amp; b 'c' "d" é</note></user></data>`
        + `<event>PUT</event><source>${escapeXml(node)}</source></Update>`;
      const received = collectItems(sub, 1);
      await pub.publish(server.pubsub, node, notificationPayload(update), 'item-1');
      const [item] = await received;
      assert.equal(item.node, node);
      assert.equal(item.id, 'item-1');
      assert.equal(item.payload.getName(), 'notification');
      assert.equal(item.payload.getNS(), NS.pubsub);
      assert.equal(item.payload.getText(), update);
    });

    test('the demo publisher delivers rotating, numbered updates', async () => {
      const sub = await login(1, 'publisher-test');
      const nodes = ['/finesse/api/User/1001001', '/finesse/api/User/1001001/Dialogs'];
      const publisher = await startPublisher({ server, ...USERS[0], nodes, intervalMs: 200 });
      try {
        for (const node of nodes) await sub.subscribe(server.pubsub, node);
        const items = await collectItems(sub, 3);
        const updates = items.map((i) => parse(i.payload.getText()));
        for (const [i, u] of updates.entries()) {
          assert.equal(u.getName(), 'Update');
          assert.equal(u.getChildText('source'), items[i].node);
        }
        // Distinct, not ordered: ejabberd also sends each node's last item on
        // subscribe (with <delay/>), which may overtake a live one.
        const seqs = updates.map((u) => Number(u.getChildText('sequence')));
        assert.ok(seqs.every((n) => Number.isInteger(n) && n > 0), `sequence ${seqs}`);
        assert.equal(new Set(seqs).size, seqs.length, `sequence ${seqs}`);
        assert.ok(new Set(items.map((i) => i.node)).size === 2, 'both nodes published');
      } finally {
        await publisher.stop();
      }
    });
  });
}
