import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Third-party Python clients (Debian's python3-slixmpp, python3-nbxmpp) run under the system
 * interpreter, not whatever `python3` is first on PATH (pyenv has neither).
 */
export const SYSTEM_PYTHON = '/usr/bin/python3';

const INTEROP_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../interop');

export interface PythonAvailability {
  available: boolean;
  /** Why the suite cannot run, for the skipped suite's name. */
  reason: string;
}

/**
 * Checks that the system Python can import these modules. Without them the suite is skipped
 * on a developer machine, but in CI (process.env.CI set) this throws, so the test file fails
 * loudly instead of passing by skipping.
 */
export function requirePythonModules(modules: readonly string[], debianPackages: string): PythonAvailability {
  const probe = spawnSync(SYSTEM_PYTHON, ['-c', modules.map((name) => `import ${name}`).join('; ')], {
    encoding: 'utf8',
    timeout: 20_000,
  });
  if (probe.status === 0) return { available: true, reason: '' };
  const detail = probe.error ? probe.error.message : (probe.stderr.trim().split('\n').pop() ?? `exit ${probe.status}`);
  const reason = `${SYSTEM_PYTHON} cannot import ${modules.join(', ')} (${detail}); install ${debianPackages}`;
  if (process.env.CI) throw new Error(`interop dependency missing in CI: ${reason}`);
  return { available: false, reason };
}

export interface PythonRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs test/interop/<script> with the system Python, asynchronously so that the server under
 * test (in this process) keeps serving. The script is killed after timeoutMs.
 */
export function runPythonScript(script: string, args: readonly string[], timeoutMs = 60_000): Promise<PythonRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(SYSTEM_PYTHON, [path.join(INTEROP_DIR, script), ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, PYTHONUNBUFFERED: '1', PYTHONDONTWRITEBYTECODE: '1' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => { stdout += chunk; });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk; });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** The JSON object a script printed as its last stdout line; throws with the script's output otherwise. */
export function scriptResult<T>(run: PythonRun): T {
  const last = run.stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(last) as T;
  } catch {
    throw new Error(`the script printed no JSON result (exit ${run.code}).\nstdout:\n${run.stdout}\nstderr:\n${run.stderr.slice(-4000)}`);
  }
}
