/**
 * The config file's schema: every key, its type, its default (DESIGN.md "Configuration
 * contract"), and the checks that span several keys. Every table is strict, so an unknown
 * key is an error. Each field's error message reads "expected …, found …"; load.ts puts the
 * file name and the key path in front of it.
 *
 * Parsing turns sizes into bytes, durations into milliseconds and relative paths into
 * absolute ones (against `baseDir`, the config file's directory), and fills the domains left
 * unset from `[server].domain` ("anon.", "conference.", "upload." + it).
 */
import * as path from 'node:path';
import { z } from 'zod';
import { Jid, JidError, parseJid } from '../jid/jid.js';
import { isAddressOrCidr, isHostname, isLoopbackHost, parseListenAddress } from './address.js';
import type { Config } from './types.js';
import { formatDuration, formatSize, parseDuration, parseSize, UnitError } from './units.js';

/** How a found value is shown in an error message: `"abc"`, `42`, `a table`, `nothing`. */
export function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (value instanceof Date) return `a date (${safeIso(value)})`;
  if (Array.isArray(value)) {
    if (value.length === 0) return 'an empty list';
    const items = value.slice(0, 5).map((item) => (typeof item === 'object' && item !== null && !Array.isArray(item) ? '{…}' : describe(item)));
    return `[${items.join(', ')}${value.length > 5 ? ', …' : ''}]`;
  }
  if (typeof value === 'object') return 'a table';
  return typeof value;
}

function safeIso(date: Date): string {
  try {
    return date.toISOString();
  } catch {
    return 'invalid';
  }
}

/** Error option for a zod schema: every failure of it reads "expected <what>, found <value>". */
function expected(what: string): { error: (issue: { input?: unknown }) => string } {
  return { error: (issue) => `expected ${what}, found ${describe(issue.input)}` };
}

/**
 * A string checked and converted by `parse`, which throws to reject it; the thrown
 * message (or UnitError.reason) is shown in parentheses after "found …" when it adds detail.
 */
function parsedString<T>(what: string, parse: (text: string) => T) {
  return z.string(expected(what)).transform((text, ctx): T => {
    try {
      return parse(text);
    } catch (error) {
      const reason = error instanceof UnitError ? error.reason : error instanceof JidError ? null : error instanceof Error ? error.message : null;
      ctx.addIssue({ code: 'custom', input: text, message: `expected ${what}, found ${describe(text)}${reason ? ` (${reason})` : ''}` });
      return z.NEVER;
    }
  });
}

// --- Field types -------------------------------------------------------------------------

const bool = () => z.boolean(expected('true or false'));
const text = () => z.string(expected('a string'));

function wholeNumber(min: number, max?: number) {
  const what = max === undefined ? `a whole number ≥ ${min}` : `a whole number from ${min} to ${max}`;
  const schema = z.number(expected(what)).int().min(min);
  return max === undefined ? schema : schema.max(max);
}

function size(min = 1) {
  return parsedString(`a size like "10MiB"${min > 1 ? ` of at least ${formatSize(min)}` : ''}`, (value) => {
    const bytes = parseSize(value);
    if (bytes < min) throw new Error(min === 1 ? 'must be more than 0' : `must be at least ${formatSize(min)}`);
    return bytes;
  });
}

function duration(min = 1, max = Infinity) {
  return parsedString(`a duration like "30s", "10m", "24h" or "7d"`, (value) => {
    const ms = parseDuration(value);
    if (ms < min) throw new Error(min === 1 ? 'must be more than 0' : `must be at least ${formatDuration(min)}`);
    if (ms > max) throw new Error(`must be at most ${formatDuration(max)}`);
    return ms;
  });
}

/** A host name, lowercased; a trailing dot is dropped. */
const domain = () =>
  parsedString('a domain name like "chat.example"', (value) => {
    const lower = value.toLowerCase().replace(/\.$/, '');
    if (!isHostname(lower)) throw new Error('');
    return lower;
  });

/** `host:port` or `[v6]:port`; port 0 picks a free port. With allowEmpty, "" disables the listener. */
function listenAddress(allowEmpty: boolean) {
  const what = `"host:port" like "127.0.0.1:5222" or "[::1]:5222"${allowEmpty ? ', or "" to disable' : ''}`;
  return parsedString(what, (value) => {
    if (value === '') {
      if (allowEmpty) return value;
      throw new Error('this listener cannot be disabled');
    }
    parseListenAddress(value);
    return value;
  });
}

/** The http listener's public address; kept without a trailing slash. */
const publicUrl = () =>
  parsedString('an http:// or https:// URL like "https://chat.example"', (value) => {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw new Error('');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`scheme ${url.protocol} is not http: or https:`);
    if (url.username || url.password) throw new Error('no user or password in the URL');
    if (url.search || url.hash) throw new Error('no ?query or #fragment');
    return url.origin + url.pathname.replace(/\/+$/, '');
  });

/** A browser origin (`https://site.example`, normalised) or "*". */
const origin = () =>
  parsedString('an origin like "https://site.example" or "*"', (value) => {
    if (value === '*') return value;
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw new Error('');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('an origin starts with http:// or https://');
    if (url.pathname !== '/' || /[?#]/.test(value) || url.username || url.password) {
      throw new Error('an origin is scheme://host[:port] with no path');
    }
    return url.origin;
  });

const cidrList = () =>
  z.array(
    parsedString('an IP address or CIDR range like "10.0.0.0/8" or "::1"', (value) => {
      if (!isAddressOrCidr(value)) throw new Error('');
      return value;
    }),
    expected('a list of IP addresses or CIDR ranges like ["10.0.0.0/8", "::1"]'),
  );

const adminJid = () =>
  parsedString('an account JID like "admin@chat.example"', (value) => {
    if (!value.includes('@')) throw new Error('no "@"');
    const jid = parseJid(value);
    if (jid.resource !== null) throw new Error('no "/resource"');
    if (!isHostname(jid.domain)) throw new Error(`"${jid.domain}" is not a domain name`);
    return jid.toString();
  });

/** A room's localpart, checked but kept as written (the channel's title defaults to it). */
const roomName = () =>
  parsedString('a room name like "lobby"', (value) => {
    try {
      Jid.of(value, 'localhost');
    } catch {
      throw new Error(`a room name is not empty and has no spaces or any of " & ' / : < > @`);
    }
    return value;
  });

/** A URL of one of `schemes` (a database, a cache), or "" for none; credentials may be in it. */
function serviceUrl(schemes: string[], what: string) {
  return parsedString(what, (value) => {
    if (value === '') return value;
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw new Error('');
    }
    if (!schemes.includes(url.protocol)) throw new Error(`scheme ${url.protocol} is not ${schemes.join(' or ')}`);
    return value;
  });
}

/** A TOML table; when absent, parsed as {} so that every key in it takes its default. */
function section<T extends z.core.$ZodLooseShape>(shape: T) {
  const table = z.strictObject(shape, expected('a table'));
  // Every key of every section has a default, so {} is valid input (TS cannot see that generically).
  return table.prefault({} as z.input<typeof table>);
}

/** Resolves a path against baseDir; "" stays "" where allowed. */
function pathField(baseDir: string, allowEmpty: boolean) {
  return parsedString(allowEmpty ? 'a file path, or ""' : 'a directory path', (value) => {
    if (value === '') {
      if (allowEmpty) return value;
      throw new Error('');
    }
    if (value.includes('\0')) throw new Error('contains a NUL character');
    return path.resolve(baseDir, value);
  });
}

/** Addresses people can reach the admins at (XEP-0157): mailto:, xmpp:, https: or tel: URIs. */
const contactAddresses = () =>
  z.array(
    parsedString('a URI like "mailto:admin@chat.example" or "xmpp:admin@chat.example"', (value) => {
      let url: URL;
      try {
        url = new URL(value);
      } catch {
        throw new Error('');
      }
      if (!['mailto:', 'xmpp:', 'https:', 'http:', 'tel:'].includes(url.protocol)) throw new Error(`scheme ${url.protocol} is not mailto:, xmpp:, https:, http: or tel:`);
      return value;
    }),
    expected('a list of URIs like ["mailto:admin@chat.example"]'),
  ).default([]);

/** A STUN or TURN server (RFC 7064/7065), or "" for none. */
const turnUri = () =>
  parsedString('a URI like "turn:turn.chat.example:3478" or "stun:turn.chat.example", or ""', (value) => {
    if (value === '') return value;
    if (!/^(stuns?|turns?):[A-Za-z0-9.:[\]-]+(\?transport=(udp|tcp))?$/.test(value)) throw new Error('');
    return value;
  });

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

// --- The schema --------------------------------------------------------------------------

/**
 * The schema for one config file; `baseDir` is the directory relative paths resolve
 * against (the config file's directory, or the working directory without a file).
 * Parsing yields everything in Config except `source`, which the loader adds.
 */
export function configSchema(baseDir: string) {
  const channel = z
    .strictObject(
      {
        name: roomName(),
        title: text().optional(),
        welcome: text().default(''),
        description: text().default(''),
      },
      expected('a table with name, title, welcome and description'),
    )
    .transform((c) => ({
      name: Jid.of(c.name, 'localhost').local as string,
      title: c.title ?? c.name,
      welcome: c.welcome,
      description: c.description,
    }));

  return z
    .strictObject(
      {
        server: section({
          domain: domain().prefault('localhost'),
          data_dir: pathField(baseDir, false).prefault('./data'),
          admins: z.array(adminJid(), expected('a list of account JIDs like ["admin@chat.example"]')).default([]),
          auth: z.enum(['internal', 'insecure'], expected('"internal" or "insecure"')).default('internal'),
          archive_expires_after: duration().prefault('7d'),
          invite_expires_after: duration(60_000).prefault('7d'),
          contact: section({
            admin: contactAddresses(),
            abuse: contactAddresses(),
            support: contactAddresses(),
            security: contactAddresses(),
          }),
        }),
        anonymous: section({
          enabled: bool().default(true),
          domain: domain().optional(), // default "anon." + [server].domain
        }),
        muc: section({
          domain: domain().optional(), // default "conference." + [server].domain
          history_length: wholeNumber(0).default(20),
          archive: bool().default(true),
          archive_expires_after: duration().prefault('7d'),
          archive_max_messages: wholeNumber(1, 10_000_000).default(10_000),
          archive_commit_delay: duration(0, 1000).prefault('0s'),
          archive_fsync: bool().default(false),
          anonymous_can_create_rooms: bool().default(true),
          max_occupants: wholeNumber(1).default(500),
          max_rooms_per_user: wholeNumber(1).default(20),
          message_burst: wholeNumber(1, 10_000).default(10),
          messages_per_minute: wholeNumber(0, 600_000).default(60),
          presence_burst: wholeNumber(1, 10_000).default(5),
          presence_changes_per_minute: wholeNumber(0, 600_000).default(12),
          lock_new_rooms: bool().default(true),
          room_lock_timeout: duration().prefault('5m'),
          reserve_account_names: bool().default(false),
        }),
        upload: section({
          enabled: bool().default(true),
          domain: domain().optional(), // default "upload." + [server].domain
          max_size: size().prefault('10MiB'),
          expires_after: duration().prefault('24h'),
          quota_per_guest: size().prefault('100MiB'),
          quota_per_account_per_day: size().prefault('500MiB'),
          disk_quota: size().prefault('5GiB'),
        }),
        listen: section({
          c2s: listenAddress(true).prefault('127.0.0.1:5222'),
          c2s_direct_tls: listenAddress(true).prefault(''),
          http: listenAddress(false).prefault('127.0.0.1:5280'),
          public_url: publicUrl().prefault('http://localhost:5280'),
        }),
        tls: section({
          cert: pathField(baseDir, true).prefault(''),
          key: pathField(baseDir, true).prefault(''),
          require_encryption: bool().default(true),
        }),
        access: section({
          allow: cidrList().default([]),
          trusted_proxies: cidrList().default(['127.0.0.1', '::1']),
          max_connections_per_address: wholeNumber(1).default(100),
          anonymous_logins_per_minute: wholeNumber(1).default(60),
          nick_checks_per_minute: wholeNumber(1).default(30),
        }),
        limits: section({
          max_stanza_size: size().prefault('256KiB'),
          preauth_max_stanza_size: size().prefault('16KiB'),
          max_depth: wholeNumber(4, 1024).default(64),
          negotiation_timeout: duration().prefault('30s'),
          idle_timeout: duration().prefault('10m'),
          max_outgoing_buffer: size().prefault('4MiB'),
          read_rate: size(1024).prefault('10KiB'),
          read_burst: size(1024).prefault('64KiB'),
          sasl_failures_per_minute: wholeNumber(1).default(5),
          sasl_failures_per_account_per_minute: wholeNumber(1).default(10),
          resume_timeout: duration(0, 86_400_000).prefault('5m'),
          guest_resume_timeout: duration(0, 86_400_000).prefault('1m'),
          offline_messages: wholeNumber(0, 100_000).default(100),
          messages_per_minute: wholeNumber(0, 600_000).default(120),
          archive_messages_per_account: wholeNumber(1, 10_000_000).default(10_000),
        }),
        sasl: section({
          scram_iterations: wholeNumber(4096).default(10000),
        }),
        http: section({
          cors_origins: z.array(origin(), expected('a list of origins like ["https://site.example"]')).default([]),
          bosh_max_wait: duration().prefault('60s'),
          bosh_max_inactivity: duration().prefault('60s'),
          bosh_max_requests: wholeNumber(1).default(2),
          header_timeout: duration(1000).prefault('10s'),
          body_timeout: duration(1000).prefault('10s'),
        }),
        landing: section({
          title: text().default('Palaver'),
          greeting: text().default('Pick a name and start chatting'),
          info: text().default(''),
        }),
        channels: z.array(channel, expected('a list of [[channels]] tables')).default([]),
        log: section({
          level: z.enum(LOG_LEVELS, expected(LOG_LEVELS.map((l) => `"${l}"`).join(', ').replace(/, ([^,]*)$/, ' or $1'))).default('info'),
          ip_addresses: bool().default(false),
        }),
        api: section({
          statistics: bool().default(true),
          statistics_list_nicks: bool().default(false),
        }),
        metrics: section({
          allow: cidrList().default(['127.0.0.1/8', '::1']),
          token: text().default(''),
        }),
        auth: section({
          jwt: section({
            mode: z.enum(['off', 'optional', 'required'], expected('"off", "optional" or "required"')).default('off'),
            secret: text().default(''),
            public_key: pathField(baseDir, true).default(''),
            issuer: text().default(''),
            audience: text().default(''),
            frame_ancestors: z.array(origin(), expected('a list of origins like ["https://site.example"]')).default([]),
          }),
        }),
        storage: section({
          backend: z.enum(['sqlite', 'postgres'], expected('"sqlite" or "postgres"')).default('sqlite'),
          url: serviceUrl(['postgres:', 'postgresql:'], 'a PostgreSQL URL like "postgres://palaver@db.example:5432/palaver", or ""').default(''),
        }),
        proxy: section({
          listen: listenAddress(true).prefault(''),
          domain: domain().optional(), // default "proxy." + [server].domain
          public_host: text().default(''),
        }),
        calls: section({
          stun_uri: turnUri().default(''),
          turn_uri: turnUri().default(''),
          turn_secret: text().default(''),
          credential_lifetime: duration(60_000, 7 * 86_400_000).prefault('1h'),
          invitations_per_minute: wholeNumber(1, 600).default(10),
          relay_only: bool().default(false),
        }),
        cluster: section({
          redis: serviceUrl(['redis:', 'rediss:'], 'a Redis URL like "redis://127.0.0.1:6379", or ""').default(''),
          node: z.string(expected('a node name of letters, digits, ".", "_" or "-"')).regex(/^[A-Za-z0-9._-]{0,64}$/, expected('a node name of letters, digits, ".", "_" or "-" (at most 64)')).default(''),
          workers: z.union([wholeNumber(1, 256), z.literal('auto')], expected('a whole number from 1 to 256, or "auto"')).default(1),
        }),
      },
      expected('a table'),
    )
    .transform((c, ctx): Omit<Config, 'source'> => {
      const problem = (pathTo: (string | number)[], message: string, input?: unknown) =>
        ctx.addIssue({ code: 'custom', path: pathTo, message, input });

      // Domains left unset follow [server].domain.
      const derive = (given: string | undefined, prefix: string, at: string[]) => {
        if (given !== undefined) return given;
        const value = `${prefix}.${c.server.domain}`;
        if (!isHostname(value)) problem(at, `the default ${JSON.stringify(value)} is too long a domain name; set it explicitly`);
        return value;
      };
      const { domain: anonDomain, ...anonymous } = c.anonymous;
      const { domain: mucDomain, ...muc } = c.muc;
      const { domain: uploadDomain, ...upload } = c.upload;
      const { domain: proxyDomain, ...proxy } = c.proxy;
      const config: Omit<Config, 'source'> = {
        ...c,
        anonymous: { ...anonymous, domain: derive(anonDomain, 'anon', ['anonymous', 'domain']) },
        muc: { domain: derive(mucDomain, 'conference', ['muc', 'domain']), ...muc },
        upload: { ...upload, domain: derive(uploadDomain, 'upload', ['upload', 'domain']) },
        proxy: { ...proxy, domain: derive(proxyDomain, 'proxy', ['proxy', 'domain']) },
      };

      // Each service has its own domain.
      const domains: [string, string][] = [
        ['server', config.server.domain],
        ['anonymous', config.anonymous.domain],
        ['muc', config.muc.domain],
        ['upload', config.upload.domain],
        ...(config.proxy.listen !== '' ? [['proxy', config.proxy.domain] as [string, string]] : []),
      ];
      domains.forEach(([name, value], i) => {
        const clash = domains.slice(0, i).find(([, other]) => other === value);
        if (clash) problem([name, 'domain'], `must differ from [${clash[0]}].domain (both are ${JSON.stringify(value)}); each service needs its own domain`, value);
      });

      // A certificate comes with its key.
      if ((config.tls.cert === '') !== (config.tls.key === '')) {
        const missing = config.tls.cert === '' ? 'cert' : 'key';
        const other = missing === 'cert' ? 'key' : 'cert';
        problem(['tls', missing], `expected a path because [tls].${other} is set (give both, or neither for a self-signed certificate), found ""`, '');
      }

      // auth = "insecure" accepts anyone; only tolerable when nobody else can connect.
      if (config.server.auth === 'insecure') {
        const exposed = (['c2s', 'c2s_direct_tls', 'http'] as const)
          .filter((name) => config.listen[name] !== '' && !isLoopbackHost(parseListenAddress(config.listen[name]).host))
          .map((name) => `[listen].${name} = ${JSON.stringify(config.listen[name])}`);
        if (exposed.length > 0) {
          problem(
            ['server', 'auth'],
            `"insecure" is refused because it lets anyone sign in as any user with any password, ` +
              `so every listener must be on loopback (127.0.0.1, ::1 or localhost); not on loopback: ${exposed.join(', ')}`,
            'insecure',
          );
        }
      }

      // Signed sign-in needs a key to check signatures with, and only one kind of key.
      const jwt = config.auth.jwt;
      if (jwt.mode !== 'off' && (jwt.secret === '') === (jwt.public_key === '')) {
        problem(['auth', 'jwt', 'secret'], `expected exactly one of [auth.jwt].secret and [auth.jwt].public_key because [auth.jwt].mode = ${JSON.stringify(jwt.mode)}, found ${jwt.secret === '' ? 'neither' : 'both'}`, jwt.secret);
      }

      // coturn's REST credentials are derived from the shared secret.
      if (config.calls.turn_uri !== '' && config.calls.turn_secret === '') {
        problem(['calls', 'turn_secret'], 'expected the secret shared with the TURN server (coturn\'s static-auth-secret) because [calls].turn_uri is set, found ""', '');
      }
      if (config.calls.relay_only && config.calls.turn_uri === '') {
        problem(['calls', 'relay_only'], 'expected a TURN server in [calls].turn_uri because relay_only is true (calls go only through it)', true);
      }

      // PostgreSQL needs its address; several processes need Redis to act as one server.
      if (config.storage.backend === 'postgres' && config.storage.url === '') {
        problem(['storage', 'url'], 'expected a PostgreSQL URL like "postgres://palaver@db.example:5432/palaver" because [storage].backend = "postgres", found ""', '');
      }
      if (config.cluster.workers !== 1 && config.cluster.redis === '') {
        problem(['cluster', 'workers'], `${JSON.stringify(config.cluster.workers)} needs [cluster].redis: worker processes share sessions and rooms through Redis (set redis = "redis://127.0.0.1:6379", or workers = 1)`, config.cluster.workers);
      }
      if (config.cluster.redis !== '' && config.storage.backend !== 'postgres') {
        problem(['cluster', 'redis'], 'a cluster keeps its data in PostgreSQL: set [storage].backend = "postgres" and [storage].url (SQLite in data_dir belongs to one process)', config.cluster.redis);
      }

      // Channel names are unique.
      const seen = new Set<string>();
      config.channels.forEach((ch, i) => {
        if (seen.has(ch.name)) problem(['channels', i, 'name'], `channel ${JSON.stringify(ch.name)} is listed twice`, ch.name);
        seen.add(ch.name);
      });

      return config;
    });
}

/** What the config file (or configFromObject) may contain: every table and key optional. */
export type ConfigInput = z.input<ReturnType<typeof configSchema>>;
