// Types for the parent-side client of xmpp-tunnel.

export declare const MessageType: Readonly<{
  EVENT: 0; ID: 1; PASSWORD: 2; RESOURCEID: 3; STATUS: 4; XMPPDOMAIN: 5; PUBSUBDOMAIN: 6;
  SUBSCRIBE: 7; UNSUBSCRIBE: 8; PRESENCE: 9; DISCONNECT_REQ: 11; CONNECTION_TYPE: 12;
  LOGGING: 13; SUBSCRIPTIONS_REQ: 14; DISCONNECT_PROPERTIES: 15; CONTAINER_CONFIG: 16; HELLO: 100; GAP: 101;
  SEND: 110; CHAT_STATE: 111; MESSAGE: 112; RECEIPT: 113; HISTORY: 114;
  ROSTER: 120; ROSTER_SET: 121; ROSTER_REMOVE: 122; ROSTER_CHANGED: 123;
  PRESENCE_SET: 130; BUDDY_PRESENCE: 131; BUDDY_REQUEST: 132; ANSWER_BUDDY: 133; ASK_BUDDY: 134; SUBSCRIPTION: 135;
  BLOCK: 140; UNBLOCK: 141; BLOCKLIST: 142; BLOCKLIST_CHANGED: 143;
  JOIN: 150; LEAVE: 151; OCCUPANT: 152; INVITE: 153; INVITATION: 154; DECLINE: 155; DECLINED: 156;
}>;

// ---- Instant messaging (the tunnel's im.html). Every text is data: show
// it as text (textContent), never as HTML.

export type ChatState = "active" | "composing" | "paused" | "inactive" | "gone";
export type Show = "available" | "away" | "xa" | "dnd" | "chat" | "offline";

export interface StanzaError {
  condition: string;
  text?: string;
}

/** A chat or room message, a chat state alone, a carbon copy, or an error. */
export interface ChatMessage {
  messageId?: string;
  from: string;
  to?: string;
  type: "chat" | "groupchat" | "normal" | "headline" | "error";
  body?: string;
  subject?: string;
  thread?: string;
  state?: ChatState;
  /** When it was first sent (history, offline delivery). */
  stamp?: string;
  /** A copy of what another desk of this agent sent or received (XEP-0280). */
  carbon?: "sent" | "received";
  /** The archive's id (for `history({before, after})`). */
  archiveId?: string;
  /** From a JID that is neither a buddy nor a room we are in. */
  unknown?: true;
  error?: StanzaError;
}

export interface SendResult {
  messageId: string;
  status: "sent";
  /** Stream management confirmed the server has it (false: handed to a stream without it). */
  acked: boolean;
}

export interface RosterItem {
  jid: string;
  name?: string;
  subscription: "none" | "to" | "from" | "both" | "remove";
  ask?: "subscribe";
  groups: string[];
}

export interface BuddyPresence {
  from: string;
  show: Show | "error";
  status?: string;
  priority?: number;
  unknown?: true;
  error?: StanzaError;
}

export interface BuddyRequest {
  from: string;
  status?: string;
  unknown?: true;
}

export interface SubscriptionChange {
  from: string;
  /** subscribed: accepted; unsubscribed: declined or revoked; unsubscribe: they stopped following us. */
  type: "subscribed" | "unsubscribed" | "unsubscribe";
  status?: string;
  unknown?: true;
}

export interface Occupant {
  room: string;
  nick: string;
  jid?: string;
  role: string;
  affiliation: string;
  show: Show | "error";
  status?: string;
  self: boolean;
  left: boolean;
  /** XEP-0045 status codes: 110 self, 303 nick change, 307 kicked, 301 banned… */
  codes?: number[];
  newNick?: string;
}

export interface Invitation {
  room: string;
  from: string;
  reason?: string;
  password?: string;
  unknown?: true;
}

export interface History {
  messages: ChatMessage[];
  complete: boolean;
  first?: string;
  last?: string;
}

export type TunnelStatus =
  | "new" | "loaded" | "connecting" | "connected" | "disconnecting" | "disconnected"
  | "reconnecting" | "unloading" | "conflict" | "unauthorized" | "destroyed";

export interface ConnectOptions {
  /** User part of the JID (the tunnel lower-cases it). */
  id: string;
  password: string;
  /** XMPP domain. */
  domain: string;
  /** Resource to bind; the server may assign another (see `resource`). */
  resource?: string;
  /** JID of the pubsub service; defaults to `pubsub.<domain>`. */
  pubsubDomain?: string;
  transport?: "websocket" | "bosh";
  ping?: {
    xmppRequestTimeout?: number | string;
    xmppFailoverDetectionPingInterval?: number | string;
    xmppFailoverRequestMaxRetry?: number | string;
  };
}

export interface TunnelEvent {
  /** The pubsub node (decoded). */
  node: string;
  /** The notification: Finesse's `<Update>` document, or the serialized payload. */
  payload: string;
  /** The message as received, `encodeURI(node) + payload`. */
  raw: string;
}

export interface Subscription {
  node: string;
  jid: string;
  subscription: string;
  subid: string | null;
}

export declare class TunnelError extends Error {
  /** XMPP error condition (`item-not-found`, `not-connected`, `timeout`, …) or a status. */
  readonly condition: string;
  /** The error XML as the tunnel sent it (legacy types), or the IM reply (e.g. `{messageId}` of a failed message). */
  readonly detail?: unknown;
}

/** Extension 101: the connection came back as a new session; events published meanwhile may be missing. */
export interface TunnelGap {
  reason: string;
}

export interface Listeners {
  event: (e: TunnelEvent) => void;
  status: (s: TunnelStatus) => void;
  /** Refresh what you show (for Finesse: re-read the user and dialogs over REST). */
  gap: (g: TunnelGap) => void;
  /** `<presence><from>…</from><type>…</type>…</presence>` */
  presence: (xml: string) => void;
  log: (line: string) => void;
  message: (m: { type: number; payload: string }) => void;
  chat: (m: ChatMessage) => void;
  receipt: (r: { from: string; messageId: string }) => void;
  /** `full`: the whole list (after a fetch); else the items that changed. */
  roster: (r: { items: RosterItem[]; full: boolean }) => void;
  buddy: (p: BuddyPresence) => void;
  buddyRequest: (r: BuddyRequest) => void;
  subscription: (s: SubscriptionChange) => void;
  /** An empty `unblocked` list: everyone was unblocked. */
  blocklist: (b: { blocked?: string[]; unblocked?: string[] }) => void;
  occupant: (o: Occupant) => void;
  invitation: (i: Invitation) => void;
  declined: (d: Invitation) => void;
}

export declare class TunnelClient {
  /**
   * `timeoutMs` (default 20 s) bounds loading the tunnel and each request;
   * `connectTimeoutMs` (default 45 s) bounds `connect`.
   */
  constructor(options: { tunnelUrl: string; container?: Element; timeoutMs?: number; connectTimeoutMs?: number });
  readonly iframe: HTMLIFrameElement;
  readonly tunnelOrigin: string;
  readonly status: TunnelStatus;
  /** The resource the tunnel bound (type 3). */
  readonly resource: string | null;
  /** What the tunnel announced (extension 100). */
  readonly extensions: { protocol: number; extensions: string[] } | null;
  /** Resolves at `loaded` once the HELLO that follows it set `extensions` (200 ms later for a tunnel that sends none); rejects (condition `timeout`) if the tunnel page never loads. */
  ready(): Promise<void>;
  /**
   * Resolves at `connected` (at once when already connected with the same
   * options), or at `reconnecting` when the server cannot be reached yet (the
   * tunnel keeps trying; `connected` follows as a status); rejects with a
   * TunnelError whose condition is the failing status (`unauthorized`,
   * `conflict`, `disconnected`) or `timeout`.
   */
  connect(options: ConnectOptions): Promise<"connected" | "reconnecting">;
  subscribe(node: string): Promise<string>;
  unsubscribe(node: string): Promise<string>;
  subscriptions(): Promise<Subscription[]>;
  disconnect(): Promise<TunnelStatus>;
  // Instant messaging: each rejects with a TunnelError (`not-connected`,
  // `bad-request`, `resource-constraint`, a server condition, or `timeout`).
  sendMessage(to: string, body: string | undefined, options?: { thread?: string; type?: "chat" | "groupchat"; state?: ChatState; receipt?: boolean; messageId?: string; subject?: string }): Promise<SendResult>;
  sendChatState(to: string, state: ChatState, options?: { thread?: string; type?: "chat" | "groupchat" }): Promise<{}>;
  history(query?: { with?: string; room?: string; max?: number; before?: string; after?: string }): Promise<History>;
  roster(): Promise<RosterItem[]>;
  setBuddy(jid: string, options?: { name?: string; groups?: string[] }): Promise<{}>;
  removeBuddy(jid: string): Promise<{}>;
  setPresence(show: Show, options?: { status?: string; priority?: number }): Promise<{}>;
  askBuddy(jid: string, options?: { name?: string; groups?: string[]; status?: string }): Promise<{}>;
  answerBuddy(jid: string, answer: "accept" | "decline" | "defer"): Promise<{}>;
  block(jids: string[]): Promise<{}>;
  unblock(jids?: string[]): Promise<{}>;
  blocklist(): Promise<string[]>;
  joinRoom(room: string, nick: string, options?: { password?: string; history?: number }): Promise<{ room: string; nick: string }>;
  leaveRoom(room: string, options?: { status?: string }): Promise<{}>;
  invite(room: string, jid: string, options?: { reason?: string }): Promise<{}>;
  declineInvitation(room: string, inviter: string, options?: { reason?: string }): Promise<{}>;
  on<K extends keyof Listeners>(kind: K, listener: Listeners[K]): () => void;
  send(type: number, payload: string): void;
  /** Removes the iframe and listeners; everything pending rejects (`destroyed`). */
  destroy(): void;
}
