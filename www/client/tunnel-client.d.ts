// Types for the parent-side client of xmpp-tunnel.

export declare const MessageType: Readonly<{
  EVENT: 0; ID: 1; PASSWORD: 2; RESOURCEID: 3; STATUS: 4; XMPPDOMAIN: 5; PUBSUBDOMAIN: 6;
  SUBSCRIBE: 7; UNSUBSCRIBE: 8; PRESENCE: 9; DISCONNECT_REQ: 11; CONNECTION_TYPE: 12;
  LOGGING: 13; SUBSCRIPTIONS_REQ: 14; DISCONNECT_PROPERTIES: 15; CONTAINER_CONFIG: 16; HELLO: 100; GAP: 101;
}>;

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
  /** The error XML as the tunnel sent it, when there was one. */
  readonly detail?: string;
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
  /** Resolves at `loaded`; rejects (condition `timeout`) if the tunnel page never loads. */
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
  on<K extends keyof Listeners>(kind: K, listener: Listeners[K]): () => void;
  send(type: number, payload: string): void;
  /** Removes the iframe and listeners; everything pending rejects (`destroyed`). */
  destroy(): void;
}
