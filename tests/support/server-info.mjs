// The addresses both private servers expose, in one place: the Finesse
// layout (tunnel page, BOSH and WebSocket on one HTTP origin) on `localhost`.
export function serverInfo(kind, httpPort, c2sPort) {
  const base = `localhost:${httpPort}`;
  return {
    kind,
    domain: 'localhost',
    pubsub: 'pubsub.localhost',
    httpPort,
    c2sPort,
    wsUrl: `ws://${base}/ws`,
    boshUrl: `http://${base}/http-bind`,
    // (ejabberd serves the tunnel files only for Host: localhost.)
    tunnelUrl: `http://${base}/tunnel/`,
  };
}
