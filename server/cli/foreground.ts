/**
 * One server process in the foreground until SIGTERM or SIGINT: `palaver start` with one
 * worker, and each worker of several.
 *
 * The first signal stops the server gracefully (`stop('system-shutdown')`) and exits 0;
 * if that takes more than 10 s the process exits 1 anyway. A second signal exits at once.
 * A signal during startup stops the server as soon as it is up.
 *
 * SIGHUP re-reads the config file and applies what can change live (startup/reload.ts). A
 * single process writes its pid to <data_dir>/palaver.pid once it listens (removed when it
 * has stopped), which `palaver reload` signals; workers of a primary write none.
 */
import type { Config } from '../config/types.js';
import type { Logger } from '../log.js';
import type { RunningServer } from '../startup/server.js';
import { ConfigError } from '../config/load.js';
import { CertificateError } from '../tls/certificate.js';
import { CliError, EXIT_RUNTIME, EXIT_USAGE } from './errors.js';
import { pidFilePath, removePidFile, writePidFile } from './pid-file.js';

export const SHUTDOWN_TIMEOUT_MS = 10_000;
/** After a clean stop, how long pending output (logs) may take before the process exits. */
const EXIT_GRACE_MS = 500;
export const SIGNAL_EXIT: Partial<Record<NodeJS.Signals, number>> = { SIGINT: 130, SIGTERM: 143 };

export interface ForegroundOptions {
  /** The server's logger (a worker's names the worker on every line). */
  log?: Logger;
  /** Signals that stop the server (a worker leaves SIGINT, which a terminal sends its whole group, to its primary). */
  signals?: readonly NodeJS.Signals[];
  /** How the process names itself on stderr. */
  label?: string;
  /** Write <data_dir>/palaver.pid for `palaver reload` (default true; a worker shares data_dir with its siblings). */
  pidFile?: boolean;
  /** Called once the server is listening. */
  onStarted?(server: RunningServer): void;
}

export async function runInForeground(config: Config, options: ForegroundOptions = {}): Promise<void> {
  const label = options.label ?? 'palaver';
  let running: RunningServer | null = null;
  let stopRequested = false;
  let stopping = false;
  const pidFile = options.pidFile === false ? null : pidFilePath(config);
  const forgetPid = (): void => {
    if (pidFile) removePidFile(pidFile);
  };

  const shutdown = (): void => {
    if (stopping || running === null) return;
    stopping = true;
    const server = running;
    server.stop('system-shutdown').then(
      () => {
        forgetPid();
        process.exitCode = 0;
        // Normally the event loop is empty now and the process ends by itself; a handle
        // someone forgot to close must not keep it alive.
        setTimeout(() => process.exit(0), EXIT_GRACE_MS).unref();
      },
      (err: unknown) => {
        process.stderr.write(`${label}: error while stopping: ${errorMessage(err)}\n`);
        process.exit(EXIT_RUNTIME);
      },
    );
  };

  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopRequested) {
      process.stderr.write(`${label}: ${signal} again, exiting without waiting\n`);
      forgetPid();
      process.exit(SIGNAL_EXIT[signal] ?? EXIT_RUNTIME);
    }
    stopRequested = true;
    process.stderr.write(`${label}: ${signal} received, stopping (send it again to exit at once)\n`);
    setTimeout(() => {
      process.stderr.write(`${label}: the server did not stop within ${SHUTDOWN_TIMEOUT_MS / 1000} s; exiting\n`);
      process.exit(EXIT_RUNTIME);
    }, SHUTDOWN_TIMEOUT_MS).unref();
    shutdown(); // waits for startup to finish when it has not yet
  };
  for (const signal of options.signals ?? ['SIGTERM', 'SIGINT']) process.on(signal, onSignal);
  // Installed before start-up: SIGHUP's default action would end the process.
  process.on('SIGHUP', () => {
    if (running === null || stopping) return;
    running.reload().catch((err: unknown) => process.stderr.write(`${label}: reload failed: ${errorMessage(err)}\n`));
  });

  // Loaded only here, so that `check` and the account commands do not load the whole server.
  try {
    const { startServer } = await import('../startup/server.js');
    running = await startServer(config, {
      ...(options.log ? { log: options.log } : {}),
      beforeAnnounce: () => { if (pidFile) writePidFile(pidFile); },
    });
  } catch (err) {
    throw startupError(err);
  }
  options.onStarted?.(running);
  if (stopRequested) shutdown();
}

/** Turns a startup failure into a one-line CLI error. */
export function startupError(err: unknown): CliError {
  if (err instanceof CliError) return err;
  if (err instanceof ConfigError) return new CliError(err.message, EXIT_USAGE);
  if (err instanceof CertificateError) return new CliError(err.message, EXIT_USAGE);
  const sys = findSystemError(err);
  if (sys && (sys.syscall === 'listen' || sys.syscall === 'bind' || sys.code === 'EADDRINUSE')) {
    const where = sys.address !== undefined
      ? `${sys.address.includes(':') ? `[${sys.address}]` : sys.address}${sys.port !== undefined ? `:${sys.port}` : ''}`
      : 'the configured address';
    const reason = sys.code === 'EADDRINUSE' ? 'the address is already in use (is another server running on that port?)'
      : sys.code === 'EACCES' ? 'permission denied (ports below 1024 need privileges)'
      : sys.code === 'EADDRNOTAVAIL' ? 'that address does not belong to this machine'
      : sys.message;
    return new CliError(`cannot listen on ${where}: ${reason}`, EXIT_RUNTIME);
  }
  return new CliError(`cannot start: ${errorMessage(err)}`, EXIT_RUNTIME);
}

interface SystemError {
  code?: string;
  syscall?: string;
  address?: string;
  port?: number;
  message: string;
}

/** The first error in the `cause` chain that carries an errno code. */
function findSystemError(err: unknown): SystemError | null {
  let current: unknown = err;
  for (let depth = 0; depth < 8 && current instanceof Error; depth++) {
    const candidate = current as Error & SystemError;
    if (typeof candidate.code === 'string' && /^E[A-Z]+$/.test(candidate.code)) return candidate;
    current = (current as Error & { cause?: unknown }).cause;
  }
  return null;
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
