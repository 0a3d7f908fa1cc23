// A loopback TCP proxy the fault tests control: cut every connection both
// ways (and refuse new ones for a while), black-hole (keep sockets open but
// forward nothing), or refuse WebSocket upgrades (as some HTTP proxies do).
import net from "node:net";

/**
 * startProxy({ targetPort, targetHost = "127.0.0.1" }) → { port, cut(refuseMs),
 * blackhole(on), refuseUpgrades(on), connections, stop() }
 */
export async function startProxy({ targetPort, targetHost = "127.0.0.1" }) {
  const pairs = new Set();
  let refuseUntil = 0;
  let holes = false;
  let noUpgrades = false;

  const server = net.createServer((client) => {
    if (Date.now() < refuseUntil) return client.destroy();
    const upstream = net.connect(targetPort, targetHost);
    const pair = { client, upstream };
    pairs.add(pair);
    let first = true;
    client.on("data", (chunk) => {
      if (first) {
        first = false;
        if (noUpgrades && /\r\nupgrade:\s*websocket/i.test(chunk.toString("latin1"))) {
          client.end("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
          upstream.destroy();
          return;
        }
      }
      if (!holes) upstream.write(chunk);
    });
    upstream.on("data", (chunk) => {
      if (!holes) client.write(chunk);
    });
    const close = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on("close", close);
    upstream.on("close", close);
    client.on("error", close);
    upstream.on("error", close);
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));

  return {
    port: server.address().port,
    get connections() { return pairs.size; },
    /** Drops every connection both ways; refuses new ones for `refuseMs`. */
    cut(refuseMs = 0) {
      refuseUntil = Date.now() + refuseMs;
      for (const p of [...pairs]) {
        p.client.destroy();
        p.upstream.destroy();
      }
      pairs.clear();
    },
    /** Stops forwarding in both directions, sockets left open. */
    blackhole(on) { holes = on; },
    /** Answers WebSocket upgrade requests with 403. */
    refuseUpgrades(on) { noUpgrades = on; },
    async stop() {
      for (const p of pairs) {
        p.client.destroy();
        p.upstream.destroy();
      }
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
