import type { AddressInfo } from 'node:net';
import type net from 'node:net';
import type { Config } from '../config/types.js';
import { parseListenAddress } from '../config/address.js';
import { createLogger, type Logger } from '../log.js';
import { openConfiguredStorage } from './storage.js';
import { createMemoryUserStorage } from '../storage/memory/index.js';
import type { Storage, UserStorage } from '../storage/types.js';
import type { HostKind } from '../core/host.js';
import { loadOrCreateCertificate } from '../tls/certificate.js';
import { ServerCredentials } from '../tls/server-credentials.js';
import { AuthThrottle } from '../sasl/auth-throttle.js';
import { siteTokenVerifierFor } from '../auth/site-token.js';
import { StreamExtensions, STREAM_EXTENSIONS } from '../core/stream-extensions.js';
import type { StreamContext } from '../stream/context.js';
import { ResumableSessions } from '../stream/sm/resumable-sessions.js';
import { listenTcp } from '../transports/tcp.js';
import { listenSocks5, type Socks5Proxy } from '../transports/socks5-proxy.js';
import { BYTESTREAM_PROXY } from '../core/bytestream-proxy.js';
import { ConnectionTracker } from '../transports/connections.js';
import { createAccessControl } from '../access/control.js';
import { listenHttp } from '../http/listener.js';
import { MODULES } from '../modules/index.js';
import { loadModules } from '../core/module.js';
import { Services } from '../core/services.js';
import { ServerEvents } from '../core/events.js';
import { HostRegistry } from '../core/hosts.js';
import { Router } from '../core/router.js';
import { SessionRegistry } from '../core/sessions.js';
import { startCluster } from './cluster.js';
import { startClusterLimits, type ClusterLimits } from './cluster-limits.js';
import type { ClusterNode } from '../cluster/node.js';
import { ConfigReloader, type ReloadOutcome } from './reload.js';
import { hostPort, insecurePublicUrlWarning, startMessage } from './start-line.js';
import { CONTROL_COMMANDS, ControlCommands } from '../core/control-commands.js';
import { openControlSocket, type ControlSocket } from './control-socket.js';

export interface StartOptions {
  /** Replaces the logger (tests pass a silent one). */
  log?: Logger;
  /** Injectable clock for expiry tests. */
  now?: () => number;
  /** Prefix of the cluster's Redis keys and channels (tests give each cluster its own); default "palaver:". */
  clusterKeyPrefix?: string;
  /** Called once every listener is open, just before the start line is logged (the pid file is written here, so that whoever waits for the line finds it). */
  beforeAnnounce?: () => void;
}

export interface RunningServer {
  context: StreamContext;
  /** Bound addresses, with the real port when the config asked for port 0. */
  addresses: { c2s?: AddressInfo; c2sDirectTls?: AddressInfo; http?: AddressInfo; proxy?: AddressInfo };
  /** This node's membership when [cluster].redis is set, else null. */
  cluster: ClusterNode | null;
  /** The certificate in force (a reload may change it). */
  readonly certificateFingerprint: string;
  /** Re-reads the config file and applies what can change live (startup/reload.ts). */
  reload(): Promise<ReloadOutcome>;
  stop(reason?: string): Promise<void>;
}

/** Builds the hosts, loads the modules, opens storage and starts every configured listener. */
export async function startServer(config: Config, options: StartOptions = {}): Promise<RunningServer> {
  const log = options.log ?? createLogger(config);
  const storage = await openConfiguredStorage(config, {
    log,
    onArchiveWriteError: (error, messages, delivered) => log.error({ err: error, messages }, delivered
      ? 'room messages could not be written to the archive; they were delivered but are not archived'
      : 'a room message could not be written to the archive; it was refused to its sender'),
  });
  const sessions = new SessionRegistry();
  const events = new ServerEvents(log);
  const hosts = createHosts(config, (kind) => userStorageFor(kind, storage, sessions, events));
  const now = options.now ?? Date.now;
  const streamExtensions = new StreamExtensions();
  const services = new Services();
  services.provide(STREAM_EXTENSIONS, streamExtensions);
  const controlCommands = new ControlCommands();
  services.provide(CONTROL_COMMANDS, controlCommands);
  // Modules see the ServerContext part only; the listeners get the whole StreamContext.
  const context: StreamContext = {
    config,
    storage,
    hosts,
    sessions,
    router: new Router(hosts, sessions, log),
    events,
    log,
    services,
    now,
    streamExtensions,
    authThrottle: new AuthThrottle({
      perAddress: config.limits.sasl_failures_per_minute,
      perAccount: config.limits.sasl_failures_per_account_per_minute,
      now,
    }),
    access: createAccessControl(config, now, (reason) => events.emit('refused', reason)),
    siteTokens: siteTokenVerifierFor(config),
    resumableSessions: new ResumableSessions(events),
  };

  const cleanups = loadModules(MODULES, context);

  const certificate = await loadOrCreateCertificate(config);
  let cluster: ClusterNode | null;
  let clusterLimits: ClusterLimits | null;
  try {
    cluster = await startCluster(config, context, log, options.clusterKeyPrefix);
    clusterLimits = cluster && await startClusterLimits(context, cluster, log).catch(async (error: unknown) => {
      await cluster?.stop();
      throw error;
    });
  } catch (error) {
    await storage.close();
    throw error;
  }
  const credentials = new ServerCredentials(certificate);
  const { secureContext } = credentials;
  const connections = new ConnectionTracker();
  const listeners: net.Server[] = [];
  const addresses: RunningServer['addresses'] = {};
  let proxy: Socks5Proxy | null = null;
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
      const listener = await listenHttp(context, { host, port, connections, boshRelay: cluster?.boshRelay ?? null });
      listeners.push(listener);
      addresses.http = listener.address() as AddressInfo;
    }
    if (config.proxy.listen) {
      proxy = await startProxy(context);
      addresses.proxy = { address: proxy.streamhost.host, family: '', port: proxy.port };
    }
  } catch (error) {
    for (const listener of listeners) listener.close();
    await clusterLimits?.stop();
    await proxy?.close();
    await cluster?.stop();
    await storage.close();
    throw error;
  }
  // `palaver rooms …` reaches this server here (startup/control-socket.ts).
  const control: ControlSocket | null = await openControlSocket(config.server.data_dir, controlCommands, log);

  options.beforeAnnounce?.();
  log.info({
    domains: hosts.all().map((host) => `${host.name} (${host.kind})`),
    c2s: hostPort(addresses.c2s),
    c2sDirectTls: hostPort(addresses.c2sDirectTls),
    http: hostPort(addresses.http),
    certificateSha256: certificate.fingerprint,
  }, startMessage(config, addresses));
  const insecure = insecurePublicUrlWarning(config);
  if (insecure) log.warn(insecure);

  const reloader = new ConfigReloader(context, credentials);
  let stopped: Promise<void> | null = null;
  return {
    context,
    addresses,
    cluster,
    get certificateFingerprint() {
      return credentials.fingerprint;
    },
    reload: () => reloader.reload(),
    stop() {
      stopped ??= (async () => {
        events.emit('shutdown');
        await control?.close();
        await Promise.all([...listeners.map((listener) => new Promise<void>((resolve) => {
          listener.close(() => resolve());
        })), proxy?.close()]);
        for (const cleanup of cleanups) cleanup();
        await clusterLimits?.stop();
        await cluster?.stop();
        await closeStorage(storage, log);
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
async function closeStorage(storage: Storage, log: Logger): Promise<void> {
  try {
    await storage.close();
  } catch (error) {
    log.error({ err: error }, 'the database could not be tidied up at stop (disk full?); nothing is lost: its write-ahead log is applied at the next start');
  }
}

/** The SOCKS5 bytestreams proxy on [proxy].listen, provided to the proxy module (XEP-0065). */
async function startProxy(context: StreamContext): Promise<Socks5Proxy> {
  const { config } = context;
  const { host, port } = parseListenAddress(config.proxy.listen);
  const wildcard = host === '' || host === '0.0.0.0' || host === '::';
  const proxy = await listenSocks5({
    host, port, access: context.access, log: context.log,
    publicHost: config.proxy.public_host || (wildcard ? config.server.domain : host),
  });
  context.services.provide(BYTESTREAM_PROXY, proxy);
  return proxy;
}

function createHosts(config: Config, usersOf: (kind: HostKind) => UserStorage): HostRegistry {
  const hosts = new HostRegistry();
  const add = (name: string, kind: HostKind): void => void hosts.add(name, kind, usersOf(kind));
  add(config.server.domain, 'account');
  if (config.anonymous.enabled) add(config.anonymous.domain, 'anonymous');
  add(config.muc.domain, 'muc');
  if (config.upload.enabled) add(config.upload.domain, 'upload');
  if (config.proxy.listen) add(config.proxy.domain, 'proxy');
  return hosts;
}

/**
 * The one place that decides what of a guest is kept, and where: a guest's roster and
 * documents live in memory only and go when the guest's last session ends (upload records
 * never hold a guest's JID: their quota is counted by a keyed hash of the network).
 * Guests never touch the disk; everyone else's data is in the server's storage.
 */
function userStorageFor(kind: HostKind, storage: Storage, sessions: SessionRegistry, events: ServerEvents): UserStorage {
  if (kind !== 'anonymous') return storage;
  const guests = createMemoryUserStorage();
  events.on('session-closed', (session) => {
    if (session.host.users !== guests) return;
    // Deferred until every other 'session-closed' listener (the unavailable broadcast reads
    // the roster) has run; a guest JID is never handed out twice, so nobody comes back to it.
    queueMicrotask(() => {
      if (sessions.isOnline(session.bare)) return;
      guests.deleteUser(session.bare.toString());
    });
  });
  return guests;
}
