#!/usr/bin/env node
/**
 * The `palaver` command.
 *
 *   palaver start   [--config FILE]
 *   palaver check   [--config FILE]
 *   palaver reload  [--config FILE]
 *   palaver privacy [--config FILE]
 *   palaver adduser [--config FILE] [--password-file FILE] JID
 *   palaver passwd  [--config FILE] [--password-file FILE] JID
 *   palaver deluser [--config FILE] JID
 *   palaver invite  [--config FILE]
 *   palaver migrate --to-postgres URL [--config FILE]
 *   palaver rooms   [--config FILE] list | show NAME | destroy NAME [--reason TEXT]
 *
 * Errors are one line on stderr (no stack; set PALAVER_DEBUG=1 for one). Exit codes:
 * 0 success, 1 runtime failure, 2 wrong command line or config.
 */
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ConfigError } from './config/load.js';
import { loadCliConfig } from './cli/config.js';
import { CliError, EXIT_RUNTIME, EXIT_USAGE, UsageError } from './cli/errors.js';
import { packageVersion } from './version.js';
import type { RoomsAction, RoomsInvocation } from './cli/rooms.js';

export { packageVersion };

const USAGE = `Usage: palaver <command> [options]

Commands:
  start   [--config FILE]                            run the server in the foreground
  check   [--config FILE]                            validate the configuration and show a summary
  reload  [--config FILE]                            make the running server re-read its configuration (SIGHUP)
  privacy [--config FILE]                            print what this configuration keeps about people, where and for how long (Markdown)
  adduser [--config FILE] [--password-file FILE] JID create an account (user@<server.domain>)
  passwd  [--config FILE] [--password-file FILE] JID change an account's password
  deluser [--config FILE] JID                        delete an account and its data
  invite  [--config FILE]                            print a one-time link where someone opens an account
  migrate --to-postgres URL [--config FILE]          copy the SQLite database of data_dir into an empty PostgreSQL database
  rooms   [--config FILE] list                       the rooms (from the running server, else the database)
  rooms   [--config FILE] show NAME                  one room: title, owners, members, bans, archive size, occupants
  rooms   [--config FILE] destroy NAME [-r TEXT]     destroy a room; people in it are told why (XEP-0045)

Options:
  -c, --config FILE         config file (default: ./palaver.toml if present, else built-in defaults)
  -p, --password-file FILE  read the password from the first line of FILE
  -r, --reason TEXT         rooms destroy: the reason the room's occupants are shown
  -h, --help                show this help
  -V, --version             show the version

Without --password-file, adduser and passwd read the password from stdin when it is not a
terminal (one line; an identical second line is taken as confirmation), or ask for it twice.
`;

type Command = 'start' | 'check' | 'reload' | 'privacy' | 'adduser' | 'passwd' | 'deluser' | 'invite' | 'migrate' | 'rooms';
const COMMANDS: readonly Command[] = ['start', 'check', 'reload', 'privacy', 'adduser', 'passwd', 'deluser', 'invite', 'migrate', 'rooms'];
const TAKES_JID: readonly Command[] = ['adduser', 'passwd', 'deluser'];
const TAKES_PASSWORD: readonly Command[] = ['adduser', 'passwd'];

interface Invocation {
  command: Command | 'help' | 'version';
  config?: string;
  passwordFile?: string;
  jid?: string;
  toPostgres?: string;
  rooms?: RoomsInvocation;
}

function parseCommandLine(argv: readonly string[]): Invocation {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        config: { type: 'string', short: 'c' },
        'password-file': { type: 'string', short: 'p' },
        'to-postgres': { type: 'string' },
        reason: { type: 'string', short: 'r' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'V' },
      },
    });
  } catch (err) {
    // parseArgs explains the problem ("Unknown option '--foo'", "Option '--config <value>' argument missing").
    const message = (err as Error).message;
    const unknown = /^Unknown option '([^']+)'/.exec(message);
    const text = unknown ? `unknown option ${unknown[1]}` : (message.split('\n')[0] ?? message).replace(/\.$/, '');
    throw new UsageError(`${text} (see palaver --help)`);
  }
  const { values, positionals } = parsed;
  if (values.help) return { command: 'help' };
  if (values.version) return { command: 'version' };
  const [name, ...rest] = positionals;
  if (name === undefined) throw new UsageError('no command given (see palaver --help)');
  if (name === 'help') return { command: 'help' };
  if (name === 'version') return { command: 'version' };
  if (!(COMMANDS as readonly string[]).includes(name)) throw new UsageError(`unknown command "${name}" (see palaver --help)`);
  const command = name as Command;

  const invocation: Invocation = { command };
  if (values.config !== undefined) {
    if (values.config === '') throw new UsageError('--config needs a file name');
    invocation.config = values.config;
  }
  if (values['password-file'] !== undefined) {
    if (!TAKES_PASSWORD.includes(command)) throw new UsageError(`"${command}" does not take --password-file`);
    if (values['password-file'] === '') throw new UsageError('--password-file needs a file name');
    invocation.passwordFile = values['password-file'];
  }
  if (values['to-postgres'] !== undefined && command !== 'migrate') throw new UsageError(`"${command}" does not take --to-postgres`);
  if (command === 'migrate') {
    if (!values['to-postgres']) throw new UsageError('"migrate" needs --to-postgres URL, e.g. palaver migrate --to-postgres postgres://palaver@db.example/palaver');
    invocation.toPostgres = values['to-postgres'];
  }
  if (values.reason !== undefined && !(command === 'rooms' && rest[0] === 'destroy')) {
    throw new UsageError('only "rooms destroy" takes --reason');
  }
  if (command === 'rooms') {
    invocation.rooms = parseRoomsArguments(rest, values.reason);
  } else if (TAKES_JID.includes(command)) {
    if (rest.length === 0) throw new UsageError(`"${command}" needs a JID, e.g. palaver ${command} alice@localhost`);
    if (rest.length > 1) throw new UsageError(`"${command}" takes one JID, found ${rest.length} arguments`);
    invocation.jid = rest[0];
  } else if (rest.length > 0) {
    throw new UsageError(`"${command}" takes no arguments, found "${rest[0]}"`);
  }
  return invocation;
}

const ROOMS_ACTIONS: readonly RoomsAction[] = ['list', 'show', 'destroy'];

function parseRoomsArguments(rest: readonly string[], reason: string | undefined): RoomsInvocation {
  const [action, name, ...extra] = rest;
  if (action === undefined) throw new UsageError('"rooms" needs list, show NAME or destroy NAME (see palaver --help)');
  if (!(ROOMS_ACTIONS as readonly string[]).includes(action)) throw new UsageError(`unknown rooms action "${action}"; use list, show or destroy`);
  if (action === 'list') {
    if (name !== undefined) throw new UsageError(`"rooms list" takes no arguments, found "${name}"`);
    return { action: 'list' };
  }
  if (name === undefined) throw new UsageError(`"rooms ${action}" needs a room name, e.g. palaver rooms ${action} lobby`);
  if (extra.length > 0) throw new UsageError(`"rooms ${action}" takes one room name, found "${extra[0]}" too`);
  return { action: action as RoomsAction, name, ...(reason === undefined ? {} : { reason }) };
}

async function run(argv: readonly string[]): Promise<void> {
  const invocation = parseCommandLine(argv);
  switch (invocation.command) {
    case 'help':
      process.stdout.write(USAGE);
      return;
    case 'version':
      process.stdout.write(`palaver ${packageVersion()}\n`);
      return;
    default:
      break;
  }
  const config = loadCliConfig(invocation.config);
  switch (invocation.command) {
    case 'check': {
      const { checkConfig } = await import('./cli/check.js');
      await checkConfig(config);
      return;
    }
    case 'reload': {
      const { reloadCommand } = await import('./cli/reload.js');
      reloadCommand(config);
      return;
    }
    case 'privacy': {
      const { printPrivacy } = await import('./cli/privacy.js');
      printPrivacy(config);
      return;
    }
    case 'start': {
      const { startCommand } = await import('./cli/start.js');
      await startCommand(config);
      return;
    }
    case 'migrate': {
      const { migrateToPostgres } = await import('./cli/migrate.js');
      await migrateToPostgres(config, invocation.toPostgres ?? '');
      return;
    }
    case 'invite': {
      const { createInvitation } = await import('./cli/invite.js');
      await createInvitation(config);
      return;
    }
    case 'rooms': {
      const { roomsCommand } = await import('./cli/rooms.js');
      await roomsCommand(config, invocation.rooms ?? { action: 'list' });
      return;
    }
    case 'adduser':
    case 'passwd':
    case 'deluser': {
      const users = await import('./cli/users.js');
      const jid = invocation.jid ?? '';
      const io = { passwordFile: invocation.passwordFile };
      if (invocation.command === 'adduser') await users.addUser(config, jid, io);
      else if (invocation.command === 'passwd') await users.changePassword(config, jid, io);
      else await users.deleteUser(config, jid, io);
      return;
    }
  }
}

function report(err: unknown): number {
  let message: string;
  let code: number;
  if (err instanceof CliError) {
    message = err.message;
    code = err.exitCode;
  } else if (err instanceof ConfigError) {
    message = err.message;
    code = EXIT_USAGE;
  } else {
    message = err instanceof Error ? err.message : String(err);
    code = EXIT_RUNTIME;
  }
  const lines = message.split('\n').filter((line) => line !== '');
  process.stderr.write(lines.map((line) => `palaver: ${line}\n`).join('') || 'palaver: failed\n');
  if (process.env.PALAVER_DEBUG && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
  return code;
}

function isMain(): boolean {
  const entry = process.argv[1];
  if (entry === undefined) return false;
  try {
    return fs.realpathSync(entry) === fs.realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isMain()) {
  run(process.argv.slice(2)).catch((err: unknown) => {
    // Exit now: a half-started server or a paused stdin must not keep the process alive.
    // (stderr is synchronous for files, pipes and terminals, so the message is not lost.)
    process.exit(report(err));
  });
}
