// Free TCP ports chosen at run time, so parallel runs or leftovers never clash.
import net from 'node:net';

/** Resolves with a port that was free on 127.0.0.1 a moment ago (bind port 0). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}
