/**
 * The validated configuration, as the rest of the server sees it. Key names are the TOML
 * names of DESIGN.md's contract. Sizes are bytes, durations milliseconds, paths absolute.
 * schema.ts produces exactly this shape from TOML; every field has a default.
 */
export interface Config {
  server: {
    domain: string;
    data_dir: string;
    admins: string[];
    auth: 'internal' | 'insecure';
    /** Account holders' one-to-one archive (XEP-0313 on the bare JID): messages older than this (ms) are deleted. */
    archive_expires_after: number;
    /** A `palaver invite` link works this long (ms). */
    invite_expires_after: number;
    /** XEP-0157 contact addresses (URIs), also shown on the landing page. */
    contact: { admin: string[]; abuse: string[]; support: string[]; security: string[] };
  };
  anonymous: { enabled: boolean; domain: string };
  muc: {
    domain: string;
    history_length: number;
    archive: boolean;
    archive_expires_after: number;
    /** Messages archived per room; past it the oldest are deleted. */
    archive_max_messages: number;
    /** Milliseconds an archived message may wait to share a commit with others; 0 = committed before it is delivered. */
    archive_commit_delay: number;
    /** Archive commits reach the disk (fsync) before they count as done, as every other write does. */
    archive_fsync: boolean;
    anonymous_can_create_rooms: boolean;
    max_occupants: number;
    max_rooms_per_user: number;
    /** Per occupant (moderators exempt): messages sent at once, then so many a minute (0 = no limit). */
    message_burst: number;
    messages_per_minute: number;
    /** Per occupant: presence changes (status, nick, rejoin) at once, then so many a minute (0 = no limit). */
    presence_burst: number;
    presence_changes_per_minute: number;
    /** XEP-0045 §10.1.3: a room created by a join stays closed to others until its owner submits or cancels the form. */
    lock_new_rooms: boolean;
    /** A room still locked after this (ms) is destroyed. */
    room_lock_timeout: number;
    /** Nicknames that are an account's username (on [server].domain) are kept for that account in every room. */
    reserve_account_names: boolean;
  };
  upload: {
    enabled: boolean;
    domain: string;
    max_size: number;
    expires_after: number;
    quota_per_guest: number;
    quota_per_account_per_day: number;
    disk_quota: number;
  };
  listen: { c2s: string; c2s_direct_tls: string; http: string; public_url: string };
  tls: { cert: string; key: string; require_encryption: boolean };
  access: {
    allow: string[];
    trusted_proxies: string[];
    max_connections_per_address: number;
    anonymous_logins_per_minute: number;
    /** GET /api/rooms/:room/nick-available answers per client network and minute; past it, 429. */
    nick_checks_per_minute: number;
  };
  limits: {
    max_stanza_size: number;
    preauth_max_stanza_size: number;
    max_depth: number;
    negotiation_timeout: number;
    idle_timeout: number;
    max_outgoing_buffer: number;
    /** Bytes per second a client connection (or BOSH session) is read at, on average. */
    read_rate: number;
    /** Bytes a client may send at once above read_rate, after a quiet spell. */
    read_burst: number;
    sasl_failures_per_minute: number;
    sasl_failures_per_account_per_minute: number;
    /** XEP-0198: how long (ms) an account holder's detached session may be resumed; 0 = no resumption. */
    resume_timeout: number;
    /** The same for guests (shorter: their data lives only as long as the session). */
    guest_resume_timeout: number;
    /** Messages held per account while it is offline (RFC 6121 §8.5.2); 0 = none held. */
    offline_messages: number;
    /** One-to-one messages (to users, and private messages in rooms) a user may send per minute, all at once at most; 0 = no limit. */
    messages_per_minute: number;
    /** Messages kept in each account's one-to-one archive; past it the oldest are deleted. */
    archive_messages_per_account: number;
  };
  sasl: { scram_iterations: number };
  http: {
    cors_origins: string[];
    bosh_max_wait: number;
    bosh_max_inactivity: number;
    bosh_max_requests: number;
    /** Milliseconds for a request's headers to arrive. */
    header_timeout: number;
    /** Milliseconds for a request body to arrive, plus one second per 32 KiB it declares (http/request-deadline.ts). */
    body_timeout: number;
  };
  landing: { title: string; greeting: string; info: string };
  channels: { name: string; title: string; welcome: string; description: string }[];
  log: { level: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'; ip_addresses: boolean };
  /** GET /api/statistics: counts, never addresses (DESIGN.md "Operations and site sign-in"). */
  api: { statistics: boolean; statistics_list_nicks: boolean };
  /** GET /metrics (Prometheus text format): from these networks, or with the bearer token. */
  metrics: { allow: string[]; token: string };
  /** Sites that sign their users in with a JWT. */
  auth: { jwt: { mode: 'off' | 'optional' | 'required'; secret: string; public_key: string; issuer: string; audience: string; frame_ancestors: string[] } };
  /** Where kept data lives: SQLite in data_dir (default) or a PostgreSQL database at `url`. */
  storage: { backend: 'sqlite' | 'postgres'; url: string };
  /** SOCKS5 bytestreams proxy (XEP-0065) on `domain`; `listen` empty = no proxy. `public_host` is the host clients connect to (default: listen's host). */
  proxy: { listen: string; domain: string; public_host: string };
  /** Calls (XEP-0215 services for WebRTC): STUN/TURN URIs and coturn's shared secret; times in ms. */
  calls: { stun_uri: string; turn_uri: string; turn_secret: string; credential_lifetime: number; invitations_per_minute: number; relay_only: boolean };
  /** Several processes and machines as one server; `redis` empty = one process, no cluster. */
  cluster: { redis: string; node: string; workers: number | 'auto' };
  /** Path of the config file this came from, or null for the embedded defaults. */
  source: string | null;
}
