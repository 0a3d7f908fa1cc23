// The demo publisher: a second XMPP account that publishes Finesse-like
// notifications, as Finesse's notification service would. Finesse puts its
// <Update> document as ESCAPED TEXT inside a pubsub <notification>; the
// tunnel relays the unescaped text, so this does exactly the same.
import { connectClient, escapeXml, NS } from '../tests/support/xmpp-client.mjs';

export const AGENT_ID = '1001001';
export const DEMO_NODES = [
  `/finesse/api/User/${AGENT_ID}`,
  `/finesse/api/User/${AGENT_ID}/Dialogs`,
  '/finesse/api/Team/1/Users',
  '/finesse/api/Queue/1',
];

// One agent's day, a step per round of publications: the agent's state and
// the call always agree (never READY while a call is up).
const CALL_CYCLE = [
  { agent: 'READY', dialog: null },
  { agent: 'RESERVED', dialog: 'ALERTING' },
  { agent: 'TALKING', dialog: 'ACTIVE' },
  { agent: 'TALKING', dialog: 'HELD' },
  { agent: 'TALKING', dialog: 'ACTIVE' },
  { agent: 'WORK_READY', dialog: 'DROPPED' },
  { agent: 'NOT_READY', dialog: null },
];
const TEAM_STATES = ['READY', 'NOT_READY', 'TALKING', 'WORK_READY', 'READY', 'RESERVED'];
const DIALOG_EVENTS = { ALERTING: 'POST', DROPPED: 'DELETE' }; // otherwise PUT

// Element with escaped text content; nested values are already XML.
const el = (name, content) => `<${name}>${content}</${name}>`;
const text = (name, value) => el(name, escapeXml(value));

function update({ data, event, source, seq }) {
  return el('Update', data + text('event', event) + text('requestId', `demo-${seq}`)
    + text('source', source) + text('sequence', seq));
}

/**
 * The Finesse <Update> document (unescaped XML) for publication `seq` on
 * `node`, in round `round` of the call cycle (every node of a round tells
 * the same moment).
 */
export function finesseUpdate(node, seq, round = seq, now = new Date()) {
  const stamp = now.toISOString();
  const moment = CALL_CYCLE[round % CALL_CYCLE.length];
  const callId = 16000 + Math.floor(round / CALL_CYCLE.length);
  const user = node.match(/^\/finesse\/api\/User\/([^/]+)$/)?.[1];
  if (user) {
    const state = moment.agent;
    return update({ seq, event: 'PUT', source: node, data: el('data', el('user',
      text('dialogs', `${node}/Dialogs`) + text('extension', user) + text('firstName', 'Demo')
      + text('lastName', `Agent ${user}`) + text('loginId', user) + text('loginName', `agent${user}`)
      + text('state', state) + text('reasonCodeId', state === 'NOT_READY' ? '1' : '-1')
      + text('stateChangeTime', stamp) + text('teamId', '1') + text('teamName', 'Demo Team')
      + text('uri', node))) });
  }
  if (/\/Dialogs$/.test(node)) {
    const state = moment.dialog;
    // No call: the agent's dialog list is empty.
    if (!state) return update({ seq, event: 'PUT', source: node, data: el('data', '<dialogs/>') });
    const caller = `+1555${String(1000 + (callId % 9000)).padStart(4, '0')}`;
    const agent = node.split('/')[4];
    return update({ seq, event: DIALOG_EVENTS[state] ?? 'PUT', source: node, data: el('data', el('dialogs', el('Dialog',
      text('id', callId) + text('fromAddress', caller) + text('toAddress', agent)
      + el('mediaProperties', text('callType', 'ACD_IN') + text('callerNumber', caller) + text('dialedNumber', '8000'))
      + text('mediaType', 'Voice') + text('state', state) + text('stateChangeTime', stamp)
      + el('participants', el('Participant', text('mediaAddress', agent) + text('state', state)))
      + text('uri', `/finesse/api/Dialog/${callId}`)))) });
  }
  if (/^\/finesse\/api\/Queue\//.test(node)) {
    return update({ seq, event: 'PUT', source: node, data: el('data', el('Queue',
      text('name', 'Demo Queue') + el('statistics', text('callsInQueue', seq % 7)
        + text('agentsReady', (seq * 3) % 5) + text('agentsNotReady', seq % 3)
        + text('agentsTalkingInbound', seq % 2) + text('startTimeOfLongestCallInQueue', stamp))
      + text('uri', node))) });
  }
  // Team member list (and anything else): one teammate's state changes.
  const mate = `100100${2 + (seq % 3)}`;
  return update({ seq, event: 'PUT', source: node, data: el('data', el('user',
    text('loginId', mate) + text('state', TEAM_STATES[seq % TEAM_STATES.length])
    + text('stateChangeTime', stamp) + text('uri', `/finesse/api/User/${mate}`))) });
}

/** The pubsub item payload Finesse publishes: the Update escaped as text. */
export function notificationPayload(updateXml) {
  return `<notification xmlns='${NS.pubsub}'>${escapeXml(updateXml)}</notification>`;
}

/**
 * startPublisher({ server, user, password, nodes = DEMO_NODES, intervalMs = 2000, onPublish })
 * → { stop(), count, client }. Publishes one update per tick, rotating over
 * the nodes; onPublish({ seq, node, update }) after each publication. When
 * its connection drops (the server restarted, say) it logs in again on the
 * next tick, and creates the nodes again, until it is stopped.
 */
export async function startPublisher({ server, user, password, nodes = DEMO_NODES, intervalMs = 2000, onPublish }) {
  const connect = async () => {
    const c = await connectClient({ url: server.wsUrl, domain: server.domain, user, password, resource: 'publisher' });
    for (const node of nodes) await c.createNode(server.pubsub, node);
    return c;
  };
  let client = await connect();
  let seq = 0;
  let timer;
  let stopped = false;
  let down = false; // said once per outage
  let inFlight = Promise.resolve();
  const tick = async () => {
    try {
      if (client.closed) client = await connect();
      if (down) console.error('publisher: connected again');
      down = false;
      const node = nodes[seq % nodes.length];
      const update = finesseUpdate(node, seq + 1, Math.floor(seq / nodes.length));
      await client.publish(server.pubsub, node, notificationPayload(update));
      seq += 1;
      onPublish?.({ seq, node, update });
    } catch (e) {
      if (!stopped && !down) console.error(`publisher: ${e.message}; trying again every ${intervalMs} ms`);
      down = true;
    }
    if (!stopped) timer = setTimeout(() => { inFlight = tick(); }, intervalMs);
  };
  inFlight = tick();
  return {
    get client() { return client; },
    get count() { return seq; },
    async stop() {
      if (stopped) return;
      stopped = true;
      clearTimeout(timer);
      await inFlight;
      await client.close();
    },
  };
}
