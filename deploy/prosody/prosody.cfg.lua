-- xmpp-tunnel on Prosody 0.12, behind a TLS reverse proxy (deploy/nginx/).
-- Copy to /etc/prosody/prosody.cfg.lua and change the example values:
--   xmpp.example.com             the XMPP domain (the agents' JIDs)
--   /var/www/xmpp-tunnel/tunnel  the npm package's tunnel/ directory
--   /etc/prosody/xmpp-tunnel.mime.types  deploy/prosody/mime.types
--   5280, 5222                   Prosody's HTTP and client ports
-- Prosody speaks plain HTTP on loopback only; nginx terminates TLS and
-- serves https://xmpp.example.com/{tunnel,ws,http-bind}/ to the browsers.

pidfile = "/run/prosody/prosody.pid"
data_path = "/var/lib/prosody"
log = { info = "/var/log/prosody/prosody.log"; error = "/var/log/prosody/prosody.err" }

admins = { "publisher@xmpp.example.com" }

modules_enabled = {
  "roster"; "saslauth"; "tls"; "disco"; "ping"; "posix";
  "smacks";      -- XEP-0198: the tunnel resumes a lost session, losing no event
  "websocket";   -- RFC 7395 at /ws/
  "bosh";        -- XEP-0124/0206 at /http-bind/ (the tunnel's fallback)
  "http_files";  -- the tunnel page at /tunnel/
  -- Instant messaging through the tunnel's im.html (remove what you do
  -- not offer; index.html, the Finesse page, needs none of them):
  "carbons";     -- XEP-0280: one conversation on every desk of an agent
  "blocklist";   -- XEP-0191
  "mam";         -- XEP-0313: history on request
  "offline";     -- messages to a signed-out agent wait for the next sign-in
}
archive_expires_after = "1w"
default_archive_policy = true
modules_disabled = { "s2s" }

authentication = "internal_hashed"   -- SCRAM-SHA-1 for the tunnel
c2s_require_encryption = true
-- TLS ends at the proxy on the same machine: the browser's connection is
-- encrypted, so WebSocket and BOSH count as secure (PLAIN never travels
-- in clear), and the proxy's forwarded address is believed.
consider_websocket_secure = true
consider_bosh_secure = true
trusted_proxies = { "127.0.0.1", "::1" }

-- Plain HTTP on loopback only: nginx is the only client.
http_interfaces = { "127.0.0.1" }
http_ports = { 5280 }
https_ports = {}
c2s_ports = { 5222 }
http_default_host = "xmpp.example.com"
http_external_url = "https://xmpp.example.com/"
http_paths = { bosh = "/http-bind"; websocket = "/ws"; files = "/tunnel" }
http_files_dir = "/var/www/xmpp-tunnel/tunnel"
http_index_files = { "index.html" }
-- .wasm must be served as application/wasm (the page streams it in).
mime_types_file = "/etc/prosody/xmpp-tunnel.mime.types"
-- Resumable for 5 minutes: a desk that loses its network for less gets
-- every event it missed.
smacks_hibernation_time = 300

VirtualHost "xmpp.example.com"

-- The pubsub service the tunnel subscribes to (Finesse-style nodes); its
-- admins may create nodes and publish.
Component "pubsub.xmpp.example.com" "pubsub"

-- Group chat for IM (XEP-0045), with each room's own archive.
Component "conference.xmpp.example.com" "muc"
modules_enabled = { "muc_mam" }
