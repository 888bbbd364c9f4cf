/**
 * The real Gajim (Debian's gajim package) on a virtual X display, for gajim.test.ts: an Xvfb,
 * a Gajim under its own D-Bus session bus (whose GApplication actions the test activates, as
 * the desktop would), screenshots, and a clean quit.
 *
 * Gajim refuses to run as root; a test run by root (CI) runs Gajim, and everything that talks
 * to its session bus, as the unprivileged user `nobody`.
 */
import { spawn, spawnSync, type ChildProcess, type SpawnOptions } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { SYSTEM_PYTHON } from '../helpers/python.js';

const INTEROP_DIR = path.dirname(new URL(import.meta.url).pathname);
/** Debian's `nobody` user and `nogroup` group. */
const NOBODY = { uid: 65534, gid: 65534 };
const COMMANDS = ['gajim', 'Xvfb', 'dbus-run-session', 'gdbus', 'xdotool'] as const;
const PACKAGES = 'gajim xvfb dbus libglib2.0-bin xdotool';

export interface DesktopAvailability {
  available: boolean;
  reason: string;
}

/** Like requirePythonModules: a missing command skips the suite locally and fails it in CI. */
export function requireDesktop(): DesktopAvailability {
  const missing = COMMANDS.filter((command) => spawnSync('sh', ['-c', `command -v ${command}`]).status !== 0);
  if (missing.length === 0) return { available: true, reason: '' };
  const reason = `missing ${missing.join(', ')}; install ${PACKAGES}`;
  if (process.env.CI) throw new Error(`interop dependency missing in CI: ${reason}`);
  return { available: false, reason };
}

/** Who runs Gajim: `nobody` when the test runs as root, else the test's own user. */
function desktopUser(): { uid: number; gid: number } | undefined {
  return process.getuid?.() === 0 ? NOBODY : undefined;
}

/** Hands a directory the test made to the user who runs Gajim. */
export function giveToDesktopUser(dir: string): void {
  const user = desktopUser();
  if (!user) return;
  fs.chownSync(dir, user.uid, user.gid);
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    fs.chownSync(path.join(entry.parentPath, entry.name), user.uid, user.gid);
  }
}

interface Run { code: number | null; stdout: string; stderr: string }

/** Runs a command as the desktop user; resolves with its output, whatever its exit code. */
function runAsDesktopUser(command: string, args: readonly string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...desktopUser(), env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => { stdout += chunk; });
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk; });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (error) => { clearTimeout(timer); reject(error); });
    child.on('close', (code) => { clearTimeout(timer); resolve({ code, stdout, stderr }); });
  });
}

/** Runs a Python helper of test/interop as the desktop user; fails with its output unless it exits 0. */
export async function runDesktopPython(script: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<string> {
  const run = await runAsDesktopUser(SYSTEM_PYTHON, [path.join(INTEROP_DIR, script), ...args], env, 30_000);
  if (run.code !== 0) throw new Error(`${script} exited ${run.code}:\n${run.stdout}\n${run.stderr.slice(-4000)}`);
  return run.stdout;
}

export interface Desktop {
  /** The environment every desktop program gets: DISPLAY, a HOME and XDG dirs inside `home`. */
  env: NodeJS.ProcessEnv;
  stop(): void;
}

/** An Xvfb on a free display (it picks the number and reports it on fd 3), with a home in `home`. */
export async function startDesktop(home: string): Promise<Desktop> {
  const xvfb = spawn('Xvfb', ['-displayfd', '3', '-screen', '0', '1280x800x24', '-nolisten', 'tcp'], {
    stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
  } as SpawnOptions);
  const display = await new Promise<string>((resolve, reject) => {
    let number = '';
    let stderr = '';
    const timer = setTimeout(() => reject(new Error(`Xvfb reported no display within 10 s: ${stderr}`)), 10_000);
    xvfb.stderr?.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk; });
    (xvfb.stdio[3] as NodeJS.ReadableStream).setEncoding('utf8').on('data', (chunk: string) => {
      number += chunk;
      if (!number.includes('\n')) return;
      clearTimeout(timer);
      resolve(`:${number.trim()}`);
    });
    xvfb.on('exit', (code) => { clearTimeout(timer); reject(new Error(`Xvfb exited ${code}: ${stderr}`)); });
  });
  for (const dir of ['config', 'cache', 'data', 'runtime']) fs.mkdirSync(path.join(home, dir), { recursive: true, mode: 0o700 });
  giveToDesktopUser(home);
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    LANG: 'C.UTF-8',
    DISPLAY: display,
    HOME: home,
    XDG_CONFIG_HOME: path.join(home, 'config'),
    XDG_CACHE_HOME: path.join(home, 'cache'),
    XDG_DATA_HOME: path.join(home, 'data'),
    XDG_RUNTIME_DIR: path.join(home, 'runtime'),
    GDK_BACKEND: 'x11',
    // No accessibility bus on a test machine; GTK would wait for it.
    NO_AT_BRIDGE: '1',
    PYTHONDONTWRITEBYTECODE: '1',
  };
  return { env, stop: () => { xvfb.kill('SIGTERM'); } };
}

export interface Gajim {
  /** Everything Gajim printed so far (with --verbose: its debug log and the XML it exchanged). */
  log(): string;
  /** Activates one of Gajim's GApplication actions over its session bus, as a desktop shell would (a list for an `as` parameter). */
  activate(action: string, parameter?: string | readonly string[]): Promise<void>;
  /** Asks Gajim to quit (its own quit action) and waits for it; kills it if it does not go within `timeoutMs`. */
  quit(timeoutMs: number): Promise<number | null>;
  /** Types keys into Gajim's window of this title (xdotool key names), as a user would. */
  typeInto(title: string, keys: readonly string[]): Promise<void>;
  /** Saves the whole display as a PNG. */
  screenshot(file: string): Promise<void>;
  /**
   * Whether a window whose title matches is open. Gajim shows an uncaught exception in its
   * own dialog ("Gajim - Error") and prints nothing when stderr is not a terminal.
   */
  hasWindow(title: string): Promise<boolean>;
}

/** Starts `gajim --config-path <profile> --verbose` under a private session bus on the desktop. */
export function startGajim(desktop: Desktop, profile: string): Gajim {
  const busFile = path.join(desktop.env.HOME ?? '', 'session-bus');
  const child: ChildProcess = spawn('dbus-run-session', ['--', 'sh', '-c',
    'printf %s "$DBUS_SESSION_BUS_ADDRESS" > "$1" && exec gajim --config-path "$2" --verbose', 'sh', busFile, profile], {
    ...desktopUser(),
    env: desktop.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, so that quitting takes the bus daemon with it.
    detached: true,
  });
  let output = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => { output += chunk; });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => { output += chunk; });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));

  const busEnv = (): NodeJS.ProcessEnv => ({ ...desktop.env, DBUS_SESSION_BUS_ADDRESS: fs.readFileSync(busFile, 'utf8') });
  return {
    log: () => output,
    async activate(action, parameter) {
      const args = ['call', '--session', '--dest', 'org.gajim.Gajim', '--object-path', '/org/gajim/Gajim',
        '--method', 'org.gtk.Actions.Activate', action, actionParameter(parameter), '{}'];
      const run = await runAsDesktopUser('gdbus', args, busEnv(), 10_000);
      if (run.code !== 0) throw new Error(`activating ${action} failed: ${run.stderr}`);
    },
    async quit(timeoutMs) {
      if (child.exitCode !== null) return child.exitCode;
      await this.activate('quit').catch(() => undefined);
      const timer = setTimeout(() => { if (child.pid) process.kill(-child.pid, 'SIGKILL'); }, timeoutMs);
      const code = await exited;
      clearTimeout(timer);
      // dbus-run-session ends its bus daemon when Gajim exits; anything else left in the group goes now.
      if (child.pid) {
        try { process.kill(-child.pid, 'SIGTERM'); } catch { /* the group is already gone */ }
      }
      return code;
    },
    async typeInto(title, keys) {
      const args = ['search', '--sync', '--name', title, 'windowfocus', '--sync', 'key', '--delay', '100', ...keys];
      const run = await runAsDesktopUser('xdotool', args, desktop.env, 10_000);
      if (run.code !== 0) throw new Error(`typing into ${title} failed: ${run.stderr}`);
    },
    async hasWindow(title) {
      // xdotool exits 1 when no window matches.
      const run = await runAsDesktopUser('xdotool', ['search', '--name', title], desktop.env, 10_000);
      if (run.code !== 0 && run.code !== 1) throw new Error(`looking for ${title} failed: ${run.stderr}`);
      return run.code === 0 && run.stdout.trim() !== '';
    },
    async screenshot(file) {
      const run = await runAsDesktopUser(SYSTEM_PYTHON, [path.join(INTEROP_DIR, 'gajim_screenshot.py'), file], desktop.env, 20_000);
      if (run.code !== 0) throw new Error(`screenshot failed: ${run.stderr}`);
    },
  };
}

/** An action's parameter in GVariant text: none, a string, or an array of strings. */
function actionParameter(parameter: string | readonly string[] | undefined): string {
  if (parameter === undefined) return '[]';
  const quoted = (value: string) => `'${value}'`;
  return typeof parameter === 'string' ? `[<${quoted(parameter)}>]` : `[<[${parameter.map(quoted).join(', ')}]>]`;
}
