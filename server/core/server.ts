import type { AddressInfo } from 'node:net';
import type net from 'node:net';
import tls from 'node:tls';
import type { Config } from '../config/types.js';
import { parseListenAddress } from '../config/address.js';
import { createLogger, type Logger } from '../log.js';
import { openSqliteStorage } from '../storage/sqlite/index.js';
import { loadOrCreateCertificate } from '../tls/certificate.js';
import { AuthThrottle } from '../sasl/auth-throttle.js';
import { StreamExtensions } from '../stream/extensions.js';
import { listenTcp } from '../transports/tcp.js';
import { ConnectionTracker } from '../transports/connections.js';
import { createAccessControl } from '../access/policy.js';
import { listenHttp } from '../http/listener.js';
import { MODULES } from '../modules/index.js';
import type { ServerContext } from './context.js';
import { ServerEvents } from './events.js';
import { HostRegistry } from './hosts.js';
import { Router } from './router.js';
import { SessionRegistry } from './sessions.js';

export interface StartOptions {
  /** Replaces the logger (tests pass a silent one). */
  log?: Logger;
  /** Injectable clock for expiry tests. */
  now?: () => number;
}

export interface RunningServer {
  context: ServerContext;
  /** Bound addresses, with the real port when the config asked for port 0. */
  addresses: { c2s?: AddressInfo; c2sDirectTls?: AddressInfo; http?: AddressInfo };
  certificateFingerprint: string;
  stop(reason?: string): Promise<void>;
}

/** Builds the hosts, loads the modules, opens storage and starts every configured listener. */
export async function startServer(config: Config, options: StartOptions = {}): Promise<RunningServer> {
  const log = options.log ?? createLogger(config);
  const storage = openSqliteStorage(config.server.data_dir);
  const hosts = createHosts(config);
  const sessions = new SessionRegistry();
  const events = new ServerEvents(log);
  const now = options.now ?? Date.now;
  const context: ServerContext = {
    config,
    storage,
    database: storage.db,
    hosts,
    sessions,
    router: new Router(hosts, sessions, log),
    events,
    log,
    now,
    streamExtensions: new StreamExtensions(),
    authThrottle: new AuthThrottle({
      perAddress: config.limits.sasl_failures_per_minute,
      perAccount: config.limits.sasl_failures_per_account_per_minute,
      now,
    }),
    access: createAccessControl(config, now),
  };

  const cleanups: (() => void)[] = [];
  for (const module of MODULES) {
    for (const host of hosts.all()) {
      if (!module.hostKinds.includes(host.kind)) continue;
      const cleanup = module.load(host, context);
      if (cleanup) cleanups.push(cleanup);
    }
  }

  const certificate = await loadOrCreateCertificate(config);
  const secureContext = tls.createSecureContext({ cert: certificate.cert, key: certificate.key });
  const connections = new ConnectionTracker();
  const listeners: net.Server[] = [];
  const addresses: RunningServer['addresses'] = {};
  try {
    if (config.listen.c2s) {
      const { host, port } = parseListenAddress(config.listen.c2s);
      const listener = await listenTcp(context, { host, port, directTls: false, secureContext, access: context.access, connections });
      listeners.push(listener);
      addresses.c2s = listener.address() as AddressInfo;
    }
    if (config.listen.c2s_direct_tls) {
      const { host, port } = parseListenAddress(config.listen.c2s_direct_tls);
      const listener = await listenTcp(context, { host, port, directTls: true, secureContext, access: context.access, connections });
      listeners.push(listener);
      addresses.c2sDirectTls = listener.address() as AddressInfo;
    }
    if (config.listen.http) {
      const { host, port } = parseListenAddress(config.listen.http);
      const listener = await listenHttp(context, { host, port, connections });
      listeners.push(listener);
      addresses.http = listener.address() as AddressInfo;
    }
  } catch (error) {
    for (const listener of listeners) listener.close();
    storage.close();
    throw error;
  }

  log.info({
    domains: hosts.all().map((host) => `${host.name} (${host.kind})`),
    c2s: addresses.c2s && `${addresses.c2s.address}:${addresses.c2s.port}`,
    c2sDirectTls: addresses.c2sDirectTls && `${addresses.c2sDirectTls.address}:${addresses.c2sDirectTls.port}`,
    http: addresses.http && `${addresses.http.address}:${addresses.http.port}`,
    certificateSha256: certificate.fingerprint,
  }, 'Palaver is listening');

  let stopped: Promise<void> | null = null;
  return {
    context,
    addresses,
    certificateFingerprint: certificate.fingerprint,
    stop() {
      stopped ??= (async () => {
        events.emit('shutdown');
        await Promise.all(listeners.map((listener) => new Promise<void>((resolve) => {
          listener.close(() => resolve());
        })));
        for (const cleanup of cleanups) cleanup();
        closeStorage(storage, log);
        log.info('Palaver stopped');
      })();
      // Streams are told first, so every client hears system-shutdown before the sockets go.
      connections.closeAll();
      return stopped;
    },
  };
}

/**
 * Closes the database even when its tidying fails (a full disk cannot take the checkpoint):
 * every commit is already in the write-ahead log, which SQLite applies at the next start.
 */
function closeStorage(storage: { close(): void }, log: Logger): void {
  try {
    storage.close();
  } catch (error) {
    log.error({ err: error }, 'the database could not be tidied up at stop (disk full?); nothing is lost: its write-ahead log is applied at the next start');
  }
}

function createHosts(config: Config): HostRegistry {
  const hosts = new HostRegistry();
  hosts.add(config.server.domain, 'account');
  if (config.anonymous.enabled) hosts.add(config.anonymous.domain, 'anonymous');
  hosts.add(config.muc.domain, 'muc');
  if (config.upload.enabled) hosts.add(config.upload.domain, 'upload');
  return hosts;
}
