// The one agent account every tunnel logs in with, shared by the fake XMPP
// server (Node) and the parent page (browser), so both sides agree on it.
export const USER = "1001001";
export const PASSWORD = "bench-pw";
export const DOMAIN = "localhost";
export const PUBSUB = "pubsub.localhost";
export const NODE = `/finesse/api/User/${USER}`;

/** Resource per tunnel: same length for all, so every stanza is the same size. */
export const RESOURCES = { ceiling: "bench-cei", incumbent: "bench-inc", ours: "bench-our" };
