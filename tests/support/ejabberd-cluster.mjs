// A 2-node ejabberd cluster on this machine, for the failover tests: its
// own epmd on a private port, one cookie, each node with its own config,
// spool, logs and ports; the second joins the first (join_cluster), and the
// accounts are registered after the join. Pubsub nodes never send their
// last item on subscribe (a renewed subscription must not look like a new
// event). Stopped node by node by process id, epmd last.
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import net from 'node:net';
import { freePort } from './ports.mjs';
import { startEjabberd, ejabberdYml } from './ejabberd.mjs';
import { track, stopPid } from './proc.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitForPort(port, ms = 5000) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const ok = await new Promise((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => { s.destroy(); resolve(true); });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    await sleep(50);
  }
  throw new Error(`nothing listens on ${port}`);
}

const config = (ctx) => ejabberdYml(ctx).replace('    plugins: [flat]\n',
  '    plugins: [flat]\n    default_node_config:\n      send_last_published_item: never\n');

/**
 * startEjabberdCluster({ tunnelDir, users, admins }) → { nodes: [a, b], stop() }
 * Each node is what startEjabberd returns (its own httpPort, wsUrl, …,
 * kill(), restart(), pid); both serve the same accounts and pubsub nodes.
 */
export async function startEjabberdCluster({ tunnelDir, users = [], admins = [] }) {
  const epmdPort = await freePort();
  const epmd = spawn('epmd', ['-port', String(epmdPort), '-address', '127.0.0.1'], { detached: true, stdio: 'ignore' });
  const epmdTracked = track(epmd);
  const nodes = [];
  const stop = async () => {
    for (const n of nodes.splice(0).reverse()) await n.remove().catch(() => {});
    await stopPid(epmd.pid, epmdTracked);
  };
  try {
    await waitForPort(epmdPort);
    const tag = crypto.randomBytes(4).toString('hex');
    const cookie = crypto.randomBytes(16).toString('hex');
    for (const name of ['a', 'b']) {
      nodes.push(await startEjabberd({ tunnelDir, admins, configText: config, cluster: { node: `xt${tag}${name}@localhost`, cookie, epmdPort } }));
    }
    const [a, b] = nodes;
    await b.ctl('join_cluster', a.node);
    // (join_cluster restarts ejabberd on b; wait until it serves again,
    // and until both see each other.)
    const deadline = Date.now() + 30_000;
    for (;;) {
      const out = await a.ctl('list_cluster').then((r) => r.stdout, () => '');
      if (out.includes(b.node) && out.includes(a.node)) break;
      if (Date.now() > deadline) throw new Error(`the cluster did not form: ${out}`);
      await sleep(200);
    }
    // (Each ejabberdctl call is an Erlang VM of its own: a few at a time.)
    for (let i = 0; i < users.length; i += 8) {
      await Promise.all(users.slice(i, i + 8).map(({ user, password }) => a.ctl('register', user, 'localhost', password)));
    }
    return { nodes, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
