import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { DestinationStream } from 'pino';
import { configFromObject, type ConfigInput } from '../../server/config/load.js';
import { startServer, type RunningServer } from '../../server/startup/server.js';
import type { Config } from '../../server/config/types.js';
import { createLogger } from '../../server/log.js';
import { deriveAllScramCredentials } from '../../server/sasl/scram-credentials.js';

export interface TestServer {
  server: RunningServer;
  c2sPort: number;
  /** The HTTP listener (WebSocket, BOSH, host-meta, upload, landing). */
  httpPort: number;
  /** http://127.0.0.1:<httpPort>, without a trailing slash. */
  httpUrl: string;
  dataDir: string;
  stop(): Promise<void>;
}

/** Deep-merges plain objects, so a test can override one key of a section. */
function merge(base: Record<string, unknown>, extra: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(extra)) {
    const current = out[key];
    out[key] = isPlainObject(current) && isPlainObject(value) ? merge(current, value) : value;
  }
  return out;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A Palaver on ephemeral loopback ports with its own temporary data directory.
 * Defaults: plain TCP allowed (require_encryption false), real accounts (auth internal).
 */
export interface TestServerOptions {
  now?: () => number;
  dataDir?: string;
  /** Where the server's log goes, at the config's [log].level; by default nowhere (or stdout at $PALAVER_TEST_LOG). */
  logTo?: DestinationStream;
  /** Changes the parsed config before the start (what the config check would refuse, e.g. a cluster on SQLite). */
  adjustConfig?: (config: Config) => void;
  clusterKeyPrefix?: string;
}

export async function startTestServer(overrides: ConfigInput = {}, options: TestServerOptions = {}): Promise<TestServer> {
  const dataDir = options.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'palaver-test-'));
  const input = merge({
    server: { data_dir: dataDir },
    listen: { c2s: '127.0.0.1:0', http: '127.0.0.1:0' },
    tls: { require_encryption: false },
    log: { level: 'silent' },
  }, overrides as Record<string, unknown>);
  const config = configFromObject(input as ConfigInput, dataDir);
  options.adjustConfig?.(config);
  const level = (process.env.PALAVER_TEST_LOG ?? 'silent') as Config['log']['level'];
  const log = options.logTo ? createLogger(config, options.logTo) : createLogger({ log: { ...config.log, level } });
  const server = await startServer(config, { log, now: options.now, clusterKeyPrefix: options.clusterKeyPrefix });
  return {
    server,
    c2sPort: server.addresses.c2s?.port ?? 0,
    httpPort: server.addresses.http?.port ?? 0,
    httpUrl: `http://127.0.0.1:${server.addresses.http?.port ?? 0}`,
    dataDir,
    async stop() {
      await server.stop();
    },
  };
}

/** Creates the account name@localhost with this password (4096 iterations keeps tests fast). */
export async function addAccount(server: Pick<TestServer, 'server'>, name: string, password: string): Promise<void> {
  server.server.context.storage.accounts.create(name, 'localhost', await deriveAllScramCredentials(password, 4096));
}
