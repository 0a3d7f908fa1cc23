// A tiny HTTP server for the parent pages (the agent desktop), on an origin
// other than the tunnel's: files under `root` plus dynamic routes. No
// caching, so a rebuilt page is always what the browser gets.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.txt': 'text/plain; charset=utf-8',
};

function typeOf(file) {
  if (file.endsWith('.d.ts')) return 'text/plain; charset=utf-8'; // not a video/mp2t stream
  return TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/**
 * startStaticServer({ root, host = '127.0.0.1', port = 0, routes: { '/p': (req) => ({ type, body, status? }) } })
 * (a route gets every method; files only GET and HEAD)
 * → { port, origin, stop() }. Route handlers may be async; a body that is not
 * a string or Buffer is sent as JSON.
 */
export async function startStaticServer({ root, host = '127.0.0.1', port = 0, routes = {} } = {}) {
  const base = root ? path.resolve(root) : undefined;
  const server = http.createServer(async (req, res) => {
    const send = (status, type, body) => {
      res.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    try {
      const url = new URL(req.url, 'http://x');
      const route = routes[url.pathname];
      // Files are read-only; a route decides for itself (`req.method`).
      if (!route && req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'text/plain', 'method not allowed\n');
      if (route) {
        const r = await route(req);
        const isRaw = typeof r.body === 'string' || Buffer.isBuffer(r.body);
        return send(r.status ?? 200, r.type ?? 'application/json; charset=utf-8', isRaw ? r.body : JSON.stringify(r.body));
      }
      if (!base) return send(404, 'text/plain', 'not found\n');
      // Resolve inside root only: decoded "..", "%2e%2e" or absolute paths stay out.
      let file = path.join(base, path.normalize(decodeURIComponent(url.pathname)));
      if (file !== base && !file.startsWith(base + path.sep)) return send(403, 'text/plain', 'forbidden\n');
      let st = await fs.promises.stat(file).catch(() => null);
      if (st?.isDirectory()) {
        if (!url.pathname.endsWith('/')) {
          res.writeHead(301, { Location: `${url.pathname}/${url.search}`, 'Cache-Control': 'no-store' });
          return res.end();
        }
        file = path.join(file, 'index.html');
        st = await fs.promises.stat(file).catch(() => null);
      }
      if (!st?.isFile()) return send(404, 'text/plain', 'not found\n');
      send(200, typeOf(file), await fs.promises.readFile(file));
    } catch (e) {
      if (!res.headersSent) send(e instanceof URIError ? 400 : 500, 'text/plain', `${e.message}\n`);
    }
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const actual = server.address().port;
  let stopped;
  return {
    port: actual,
    origin: `http://${host}:${actual}`,
    /** Closes the listener and any kept-alive browser connections; idempotent. */
    stop() {
      stopped ??= new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return stopped;
    },
  };
}
