import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { isLoopbackHost, parseListenAddress } from '../../server/config/address.js';
import { ConfigError, configFromObject, defaultConfig, loadConfig } from '../../server/config/load.js';
import { formatDuration, formatSize, parseDuration, parseSize, UnitError } from '../../server/config/units.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const examplePath = path.join(root, 'config/palaver.example.toml');
const dir = mkdtempSync(path.join(tmpdir(), 'palaver-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Writes a config file into the temp dir and returns its path. */
function file(name: string, text: string): string {
  const p = path.join(dir, name);
  writeFileSync(p, text);
  return p;
}

/** The ConfigError message lines for a plain object, or [] when it is valid. */
function problems(obj: unknown): string[] {
  try {
    configFromObject(obj as never, dir);
    return [];
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
}

function loadError(p: string): string {
  try {
    loadConfig(p);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('sizes and durations', () => {
  it('parses sizes in bytes', () => {
    expect(parseSize('10MiB')).toBe(10 * 1024 * 1024);
    expect(parseSize('1.5MiB')).toBe(1572864);
    expect(parseSize('512KB')).toBe(512_000);
    expect(parseSize('16KiB')).toBe(16384);
    expect(parseSize('5GiB')).toBe(5 * 1024 ** 3);
    expect(parseSize('2GB')).toBe(2e9);
    expect(parseSize('1mb')).toBe(1e6);
    expect(parseSize('100 B')).toBe(100);
    expect(parseSize('1048576')).toBe(1048576);
    expect(parseSize('0')).toBe(0);
  });

  it('rejects bad sizes with a reason', () => {
    expect(() => parseSize('-1MiB')).toThrow(/cannot be negative/);
    expect(() => parseSize('10MBs')).toThrow(/unknown unit "MBs"/);
    expect(() => parseSize('10M')).toThrow(/MiB .* or MB/);
    expect(() => parseSize('1.5')).toThrow(/needs a unit/);
    expect(() => parseSize('')).toThrow(UnitError);
    expect(() => parseSize('abc')).toThrow(/is not a size/);
    expect(() => parseSize('1e3')).toThrow(UnitError);
    expect(() => parseSize('99999999999TiB')).toThrow(/too large/);
  });

  it('parses durations in milliseconds', () => {
    expect(parseDuration('24h')).toBe(86_400_000);
    expect(parseDuration('7d')).toBe(604_800_000);
    expect(parseDuration('2s')).toBe(2000);
    expect(parseDuration('90m')).toBe(5_400_000);
    expect(parseDuration('1w')).toBe(604_800_000);
    expect(parseDuration('250ms')).toBe(250);
    expect(parseDuration('1.5h')).toBe(5_400_000);
  });

  it('rejects bad durations with a reason', () => {
    expect(() => parseDuration('-5s')).toThrow(/cannot be negative/);
    expect(() => parseDuration('30')).toThrow(/missing unit/);
    expect(() => parseDuration('3y')).toThrow(/unknown unit "y"/);
    expect(() => parseDuration('soon')).toThrow(/is not a duration/);
    expect(() => parseDuration('1h30m')).toThrow(UnitError);
  });

  it('formats sizes and durations back', () => {
    expect(formatSize(10 * 1024 * 1024)).toBe('10MiB');
    expect(formatSize(1500)).toBe('1500B');
    expect(formatDuration(86_400_000)).toBe('1d');
    expect(formatDuration(90_000)).toBe('90s');
  });
});

describe('listen addresses', () => {
  it('parses host:port and [v6]:port', () => {
    expect(parseListenAddress('127.0.0.1:5222')).toEqual({ host: '127.0.0.1', port: 5222 });
    expect(parseListenAddress('[::1]:0')).toEqual({ host: '::1', port: 0 });
    expect(parseListenAddress('localhost:5280')).toEqual({ host: 'localhost', port: 5280 });
    expect(() => parseListenAddress('::1:5222')).toThrow(/brackets/);
    expect(() => parseListenAddress('127.0.0.1:70000')).toThrow(/port/);
    expect(() => parseListenAddress('127.0.0.1')).toThrow(/port/);
  });

  it('knows loopback hosts', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', '::1', 'localhost', '::ffff:127.0.0.1']) expect(isLoopbackHost(host)).toBe(true);
    for (const host of ['0.0.0.0', '::', '10.0.0.1', 'chat.example']) expect(isLoopbackHost(host)).toBe(false);
  });
});

describe('defaults', () => {
  it('equal the values in DESIGN.md and serve localhost', () => {
    const config = defaultConfig();
    expect(config).toEqual({
      server: {
        domain: 'localhost', data_dir: path.resolve(process.cwd(), 'data'), admins: [], auth: 'internal',
        archive_expires_after: 7 * 86_400_000, invite_expires_after: 7 * 86_400_000,
        contact: { admin: [], abuse: [], support: [], security: [] },
      },
      anonymous: { enabled: true, domain: 'anon.localhost' },
      muc: {
        domain: 'conference.localhost',
        history_length: 20,
        archive: true,
        archive_expires_after: 7 * 86_400_000,
        archive_max_messages: 10_000,
        archive_commit_delay: 0,
        archive_fsync: false,
        anonymous_can_create_rooms: true,
        max_occupants: 500,
        max_rooms_per_user: 20,
        message_burst: 10,
        messages_per_minute: 60,
        presence_burst: 5,
        presence_changes_per_minute: 12,
        lock_new_rooms: true,
        room_lock_timeout: 300_000,
        reserve_account_names: false,
      },
      upload: {
        enabled: true,
        domain: 'upload.localhost',
        max_size: 10 * 1024 ** 2,
        expires_after: 86_400_000,
        quota_per_guest: 100 * 1024 ** 2,
        quota_per_account_per_day: 500 * 1024 ** 2,
        disk_quota: 5 * 1024 ** 3,
      },
      listen: { c2s: '127.0.0.1:5222', c2s_direct_tls: '', http: '127.0.0.1:5280', public_url: 'http://localhost:5280' },
      tls: { cert: '', key: '', require_encryption: true },
      access: { allow: [], trusted_proxies: ['127.0.0.1', '::1'], max_connections_per_address: 100, anonymous_logins_per_minute: 60, nick_checks_per_minute: 30 },
      limits: {
        max_stanza_size: 256 * 1024,
        preauth_max_stanza_size: 16 * 1024,
        max_depth: 64,
        negotiation_timeout: 30_000,
        idle_timeout: 600_000,
        max_outgoing_buffer: 4 * 1024 ** 2,
        read_rate: 10 * 1024,
        read_burst: 64 * 1024,
        sasl_failures_per_minute: 5,
        sasl_failures_per_account_per_minute: 10,
        resume_timeout: 300_000,
        guest_resume_timeout: 60_000,
        offline_messages: 100,
        messages_per_minute: 120,
        archive_messages_per_account: 10_000,
      },
      sasl: { scram_iterations: 10000 },
      http: { cors_origins: [], bosh_max_wait: 60_000, bosh_max_inactivity: 60_000, bosh_max_requests: 2, header_timeout: 10_000, body_timeout: 10_000 },
      landing: { title: 'Palaver', greeting: 'Pick a name and start chatting', info: '' },
      channels: [],
      log: { level: 'info', ip_addresses: false },
      api: { statistics: true, statistics_list_nicks: false },
      metrics: { allow: ['127.0.0.1/8', '::1'], token: '' },
      auth: { jwt: { mode: 'off', secret: '', public_key: '', issuer: '', audience: '', frame_ancestors: [] } },
      storage: { backend: 'sqlite', url: '' },
      cluster: { redis: '', node: '', workers: 1 },
      proxy: { listen: '', domain: 'proxy.localhost', public_host: '' },
      calls: { stun_uri: '', turn_uri: '', turn_secret: '', credential_lifetime: 3_600_000, invitations_per_minute: 10, relay_only: false },
      source: null,
    });
  });

  it('loadConfig(null) is the defaults; an empty file is too', () => {
    expect(loadConfig(null)).toEqual(defaultConfig());
    const p = file('empty.toml', '');
    expect(loadConfig(p)).toEqual({ ...defaultConfig(), server: { ...defaultConfig().server, data_dir: path.join(dir, 'data') }, source: p });
  });

  it('derives the service domains from [server].domain unless set', () => {
    const config = configFromObject({ server: { domain: 'Chat.Example' }, muc: { domain: 'rooms.chat.example' } }, dir);
    expect(config.server.domain).toBe('chat.example');
    expect(config.anonymous.domain).toBe('anon.chat.example');
    expect(config.muc.domain).toBe('rooms.chat.example');
    expect(config.upload.domain).toBe('upload.chat.example');
  });
});

describe('the example file', () => {
  it('loads and holds the default values', () => {
    const config = loadConfig(examplePath);
    const defaults = defaultConfig();
    expect(config.source).toBe(examplePath);
    expect(config.server.data_dir).toBe(path.join(root, 'config', 'data'));
    expect({ ...config, source: null, server: { ...config.server, data_dir: '' } }).toEqual({
      ...defaults,
      server: { ...defaults.server, data_dir: '' },
    });
  });

  it('documents every option', () => {
    const text = readFileSync(examplePath, 'utf8');
    const defaults = defaultConfig() as unknown as Record<string, Record<string, unknown>>;
    // A table inside a table ([auth.jwt], [server.contact]) is documented under its dotted name.
    const isTable = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
    const tables = Object.entries(defaults).flatMap(([section, values]): [string, Record<string, unknown>][] => {
      if (!isTable(values)) return [[section, values]];
      const inner = Object.entries(values).filter(([, value]) => isTable(value)).map(([sub, value]): [string, Record<string, unknown>] => [`${section}.${sub}`, value as Record<string, unknown>]);
      const own = Object.fromEntries(Object.entries(values).filter(([, value]) => !isTable(value)));
      return Object.keys(own).length > 0 ? [[section, own], ...inner] : inner;
    });
    for (const [section, values] of tables) {
      if (section === 'source') continue;
      expect(text, section).toMatch(section === 'channels' ? /^# \[\[channels\]\]$/m : new RegExp(`^\\[${section.replace('.', '\\.')}\\]$`, 'm'));
      const keys = section === 'channels' ? ['name', 'title', 'welcome', 'description'] : Object.keys(values);
      for (const key of keys) expect(text, `${section}.${key}`).toMatch(new RegExp(`^(# )?${key} = `, 'm'));
    }
  });

  it('its commented channel example is valid once uncommented', () => {
    const text = readFileSync(examplePath, 'utf8').replace(/^# (\[\[channels\]\]|name =|title =|welcome =|description =)/gm, '$1');
    const config = loadConfig(file('example-with-channel.toml', text));
    expect(config.channels).toEqual([{ name: 'lobby', title: 'Lobby', welcome: 'Welcome! Be kind.', description: '' }]);
  });
});

describe('errors name the file, the key, what was expected and what was found', () => {
  it('reports an unknown key, with a suggestion', () => {
    const p = file('unknown.toml', '[server]\ndomian = "chat.example"\n');
    expect(loadError(p)).toBe(`${p}: [server].domian: unknown key; did you mean domain?`);
  });

  it('reports an unknown section', () => {
    expect(problems({ mucc: { history_length: 3 }, verbose: true })).toEqual([
      'config: [mucc]: unknown section; did you mean [muc]?',
      'config: verbose: unknown key',
    ]);
  });

  it('reports a wrong type', () => {
    const p = file('palaver.toml', '[muc]\nhistory_length = "abc"\narchive = "yes"\n');
    expect(loadError(p)).toBe(
      `${p}: [muc].history_length: expected a whole number ≥ 0, found "abc"\n` +
        `${p}: [muc].archive: expected true or false, found "yes"`,
    );
    expect(problems({ muc: { history_length: -1 } })).toEqual(['config: [muc].history_length: expected a whole number ≥ 0, found -1']);
    expect(problems({ muc: 5 })).toEqual(['config: [muc]: expected a table, found 5']);
    expect(problems({ sasl: { scram_iterations: 1000 } })).toEqual(['config: [sasl].scram_iterations: expected a whole number ≥ 4096, found 1000']);
    expect(problems({ muc: { message_burst: 0, presence_changes_per_minute: 1.5, lock_new_rooms: 'no' } })).toEqual([
      'config: [muc].message_burst: expected a whole number from 1 to 10000, found 0',
      'config: [muc].presence_changes_per_minute: expected a whole number from 0 to 600000, found 1.5',
      'config: [muc].lock_new_rooms: expected true or false, found "no"',
    ]);
  });

  it('reports bad sizes and durations, which must be strings', () => {
    expect(problems({ upload: { max_size: '10MBs', expires_after: 3600 } })).toEqual([
      'config: [upload].max_size: expected a size like "10MiB", found "10MBs" (unknown unit "MBs"; use B, KB, KiB, MB, MiB, GB, GiB, TB or TiB)',
      'config: [upload].expires_after: expected a duration like "30s", "10m", "24h" or "7d", found 3600',
    ]);
    expect(problems({ limits: { idle_timeout: '0s' } })).toEqual([
      'config: [limits].idle_timeout: expected a duration like "30s", "10m", "24h" or "7d", found "0s" (must be more than 0)',
    ]);
    expect(configFromObject({ muc: { archive_expires_after: '2s' } }, dir).muc.archive_expires_after).toBe(2000);
  });

  it('takes an archive commit delay from 0 (commit before delivery) to 1s', () => {
    expect(configFromObject({ muc: { archive_commit_delay: '25ms', archive_fsync: true } }, dir).muc)
      .toMatchObject({ archive_commit_delay: 25, archive_fsync: true });
    expect(problems({ muc: { archive_commit_delay: '2s' } })).toEqual([
      'config: [muc].archive_commit_delay: expected a duration like "30s", "10m", "24h" or "7d", found "2s" (must be at most 1s)',
    ]);
  });

  it('reports a bad CIDR', () => {
    expect(problems({ access: { allow: ['10.0.0.0/8', '10.0.0.0/33', 'fd00::/8', 'nonsense'] } })).toEqual([
      'config: [access].allow[1]: expected an IP address or CIDR range like "10.0.0.0/8" or "::1", found "10.0.0.0/33"',
      'config: [access].allow[3]: expected an IP address or CIDR range like "10.0.0.0/8" or "::1", found "nonsense"',
    ]);
    expect(problems({ access: { trusted_proxies: '127.0.0.1' } })[0]).toMatch(/^config: \[access\]\.trusted_proxies: expected a list .* found "127.0.0.1"$/);
  });

  it('reports bad domains, addresses, URLs and JIDs', () => {
    expect(problems({ server: { domain: 'not a domain', admins: ['bob'] } })).toEqual([
      'config: [server].domain: expected a domain name like "chat.example", found "not a domain"',
      'config: [server].admins[0]: expected an account JID like "admin@chat.example", found "bob" (no "@")',
    ]);
    expect(problems({ listen: { c2s: '5222', http: '', public_url: 'chat.example' } })).toEqual([
      'config: [listen].c2s: expected "host:port" like "127.0.0.1:5222" or "[::1]:5222", or "" to disable, found "5222" (missing ":port")',
      'config: [listen].http: expected "host:port" like "127.0.0.1:5222" or "[::1]:5222", found "" (this listener cannot be disabled)',
      'config: [listen].public_url: expected an http:// or https:// URL like "https://chat.example", found "chat.example"',
    ]);
    expect(problems({ channels: [{ title: 'No name' }] })).toEqual(['config: [[channels]][0].name: expected a room name like "lobby", found nothing']);
  });

  it('refuses a cluster without Redis or PostgreSQL, and service URLs of the wrong scheme', () => {
    expect(problems({ cluster: { workers: 2 } })).toEqual([
      'config: [cluster].workers: 2 needs [cluster].redis: worker processes share sessions and rooms through Redis (set redis = "redis://127.0.0.1:6379", or workers = 1)',
    ]);
    expect(problems({ cluster: { redis: 'redis://127.0.0.1:6379' } })).toEqual([
      'config: [cluster].redis: a cluster keeps its data in PostgreSQL: set [storage].backend = "postgres" and [storage].url (SQLite in data_dir belongs to one process)',
    ]);
    expect(problems({ storage: { backend: 'postgres' } })).toEqual([
      'config: [storage].url: expected a PostgreSQL URL like "postgres://palaver@db.example:5432/palaver" because [storage].backend = "postgres", found ""',
    ]);
    expect(problems({ storage: { backend: 'postgres', url: 'mysql://db' }, cluster: { redis: 'http://x', workers: 'many' as never } })).toEqual([
      'config: [storage].url: expected a PostgreSQL URL like "postgres://palaver@db.example:5432/palaver", or "", found "mysql://db" (scheme mysql: is not postgres: or postgresql:)',
      'config: [cluster].redis: expected a Redis URL like "redis://127.0.0.1:6379", or "", found "http://x" (scheme http: is not redis: or rediss:)',
      'config: [cluster].workers: expected a whole number from 1 to 256, or "auto", found "many"',
    ]);
    const cluster = configFromObject({ storage: { backend: 'postgres', url: 'postgres://postgres@127.0.0.1/palaver' }, cluster: { redis: 'redis://127.0.0.1:6379', workers: 'auto', node: 'a-1' } }, dir);
    expect(cluster.cluster).toEqual({ redis: 'redis://127.0.0.1:6379', node: 'a-1', workers: 'auto' });
  });

  it('reports one line per problem, without a stack for the user', () => {
    const error = (() => {
      try {
        configFromObject({ muc: { history_length: 'x' as never }, log: { level: 'loud' as never } }, dir);
      } catch (e) {
        return e as ConfigError;
      }
      throw new Error('expected an error');
    })();
    expect(error.name).toBe('ConfigError');
    expect(error.message.split('\n')).toEqual(error.problems);
    expect(error.problems).toHaveLength(2);
    expect(error.problems[1]).toBe('config: [log].level: expected "fatal", "error", "warn", "info", "debug", "trace" or "silent", found "loud"');
  });

  it('reports a TOML syntax error with the file name, line and column', () => {
    const p = file('broken.toml', '[server]\ndomain = "localhost"\nadmins = [\n[muc]\n');
    const message = loadError(p);
    expect(message.startsWith(`${p}:`)).toBe(true);
    expect(message).toMatch(/^.*broken\.toml:\d+:\d+: invalid TOML: .+$/);
    expect(message).not.toContain('\n');
    expect(loadError(file('dup.toml', 'a = 1\na = 2\n'))).toMatch(/dup\.toml:2:\d+: invalid TOML/);
  });

  it('reports a missing file', () => {
    const p = path.join(dir, 'nope.toml');
    expect(loadError(p)).toBe(`${p}: cannot read the config file: no such file`);
  });
});

describe('cross-field checks', () => {
  it('refuses auth = "insecure" unless every listener is on loopback, and says why', () => {
    const lines = problems({ server: { auth: 'insecure' }, listen: { c2s: '0.0.0.0:5222', http: '127.0.0.1:5280' } });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^config: \[server\]\.auth: "insecure" is refused because it lets anyone sign in as any user with any password/);
    expect(lines[0]).toContain('loopback');
    expect(lines[0]).toContain('[listen].c2s = "0.0.0.0:5222"');
    expect(lines[0]).not.toContain('[listen].http');
    expect(problems({ server: { auth: 'insecure' }, listen: { c2s_direct_tls: '[::]:5223' } })[0]).toContain('[listen].c2s_direct_tls = "[::]:5223"');
  });

  it('accepts auth = "insecure" on loopback listeners and ephemeral ports', () => {
    const config = configFromObject(
      { server: { auth: 'insecure' }, listen: { c2s: '127.0.0.1:0', c2s_direct_tls: '[::1]:0', http: 'localhost:0' }, tls: { require_encryption: false } },
      dir,
    );
    expect(config.server.auth).toBe('insecure');
    expect(config.listen).toMatchObject({ c2s: '127.0.0.1:0', c2s_direct_tls: '[::1]:0', http: 'localhost:0' });
    expect(configFromObject({ server: { auth: 'insecure' }, listen: { c2s: '' } }, dir).listen.c2s).toBe('');
  });

  it('requires distinct domains', () => {
    expect(problems({ server: { domain: 'chat.example' }, anonymous: { domain: 'chat.example' } })).toEqual([
      'config: [anonymous].domain: must differ from [server].domain (both are "chat.example"); each service needs its own domain',
    ]);
  });

  it('requires tls cert and key together', () => {
    expect(problems({ tls: { cert: 'cert.pem' } })).toEqual([
      'config: [tls].key: expected a path because [tls].cert is set (give both, or neither for a self-signed certificate), found ""',
    ]);
  });

  it('needs the TURN secret with a TURN server, and a proxy domain of its own', () => {
    expect(problems({ calls: { turn_uri: 'turn:turn.chat.example:3478' } })).toEqual([
      'config: [calls].turn_secret: expected the secret shared with the TURN server (coturn\'s static-auth-secret) because [calls].turn_uri is set, found ""',
    ]);
    expect(problems({ proxy: { listen: '127.0.0.1:0', domain: 'localhost' } })[0]).toContain('[proxy].domain: must differ from [server].domain');
    const config = configFromObject({ proxy: { listen: '127.0.0.1:7777' }, calls: { turn_uri: 'turns:turn.chat.example:5349?transport=tcp', turn_secret: 's' }, server: { contact: { abuse: ['mailto:abuse@chat.example'] } } }, dir);
    expect(config.proxy).toEqual({ listen: '127.0.0.1:7777', domain: 'proxy.localhost', public_host: '' });
    expect(config.server.contact.abuse).toEqual(['mailto:abuse@chat.example']);
    expect(problems({ server: { contact: { admin: ['ftp://x'] } } })[0]).toContain('[server.contact].admin');
    expect(problems({ calls: { stun_uri: 'http://stun.example' } })[0]).toContain('[calls].stun_uri');
    expect(problems({ calls: { relay_only: true } })[0]).toContain('[calls].relay_only: expected a TURN server');
    expect(configFromObject({ calls: { relay_only: true, turn_uri: 'turn:turn.chat.example:3478', turn_secret: 's' } }, dir).calls.relay_only).toBe(true);
  });

  it('hands out TURN credentials for an hour by default, for as long as [calls].credential_lifetime says otherwise', () => {
    expect(configFromObject({}, dir).calls.credential_lifetime).toBe(3_600_000);
    expect(configFromObject({ calls: { credential_lifetime: '30m' } }, dir).calls.credential_lifetime).toBe(1_800_000);
    expect(configFromObject({ calls: { credential_lifetime: '2d' } }, dir).calls.credential_lifetime).toBe(172_800_000);
    expect(problems({ calls: { credential_lifetime: '30s' } })[0]).toContain('[calls].credential_lifetime');
    expect(problems({ calls: { credential_lifetime: '8d' } })[0]).toContain('[calls].credential_lifetime');
  });

  it('refuses a channel listed twice', () => {
    expect(problems({ channels: [{ name: 'lobby' }, { name: 'Lobby' }] })).toEqual(['config: [[channels]][1].name: channel "lobby" is listed twice']);
  });
});

describe('paths and values', () => {
  it('resolves a relative data_dir and tls paths against the config file directory', () => {
    const p = file('paths.toml', '[server]\ndata_dir = "state/db"\n[tls]\ncert = "tls/cert.pem"\nkey = "/etc/palaver/key.pem"\n');
    const config = loadConfig(p);
    expect(config.server.data_dir).toBe(path.join(dir, 'state/db'));
    expect(config.tls.cert).toBe(path.join(dir, 'tls/cert.pem'));
    expect(config.tls.key).toBe('/etc/palaver/key.pem');
  });

  it('resolves against baseDir in configFromObject, and keeps absolute paths', () => {
    expect(configFromObject({}, '/tmp/x').server.data_dir).toBe('/tmp/x/data');
    expect(configFromObject({ server: { data_dir: '/var/lib/palaver' } }, '/tmp/x').server.data_dir).toBe('/var/lib/palaver');
  });

  it('normalises channels, admins, URLs and origins', () => {
    const config = configFromObject(
      {
        server: { admins: ['Admin@Localhost'] },
        channels: [{ name: 'Lobby', welcome: 'Hi' }],
        listen: { public_url: 'https://Chat.Example/' },
        http: { cors_origins: ['https://Site.Example', '*'] },
      },
      dir,
    );
    expect(config.server.admins).toEqual(['admin@localhost']);
    expect(config.channels).toEqual([{ name: 'lobby', title: 'Lobby', welcome: 'Hi', description: '' }]);
    expect(config.listen.public_url).toBe('https://chat.example');
    expect(config.http.cors_origins).toEqual(['https://site.example', '*']);
  });

  it('accepts disabled features', () => {
    const config = configFromObject({ upload: { enabled: false }, muc: { archive: false }, anonymous: { enabled: false } }, dir);
    expect(config.upload.enabled).toBe(false);
    expect(config.muc.archive).toBe(false);
    expect(config.anonymous.enabled).toBe(false);
  });
});
