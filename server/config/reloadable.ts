import type { Config } from './types.js';

/**
 * The settings a reload (SIGHUP, `palaver reload`) puts in force without a restart: a key
 * listed here, or under a section listed here. Everything else (listen addresses, domains,
 * data_dir, storage, cluster, …) only changes at the next start.
 *
 * Each works live because its readers read it at use, or refresh on the 'config-reloaded'
 * event: TLS and the allowlist are swapped by the start-up code, channels by the MUC module;
 * limits and flood limits apply to connections and occupants that come after the reload.
 */
export const LIVE_SETTINGS: readonly string[] = [
  'tls.cert', 'tls.key', 'tls.require_encryption',
  'access',
  'landing',
  'channels',
  'log',
  'api',
  'metrics',
  'muc.message_burst', 'muc.messages_per_minute', 'muc.presence_burst', 'muc.presence_changes_per_minute',
  // max_stanza_size is not here: the WebSocket and BOSH framing take their caps from it at start.
  'limits.preauth_max_stanza_size', 'limits.max_depth', 'limits.negotiation_timeout', 'limits.idle_timeout',
  'limits.max_outgoing_buffer', 'limits.read_rate', 'limits.read_burst',
  'limits.sasl_failures_per_minute', 'limits.sasl_failures_per_account_per_minute',
  'limits.messages_per_minute',
];

/** Not a setting: where the config came from. */
const IGNORED = new Set(['source']);

export interface ReloadPlan {
  /** Changed keys that a reload applies, e.g. `access.allow`, `channels`. */
  live: string[];
  /** Changed keys that need a restart, e.g. `listen.http`. */
  needsRestart: string[];
}

export function isLiveSetting(key: string): boolean {
  return LIVE_SETTINGS.some((live) => key === live || key.startsWith(`${live}.`));
}

/** Which keys differ between the config in force and the one just read, and which of them apply live. */
export function planReload(current: Config, next: Config): ReloadPlan {
  const plan: ReloadPlan = { live: [], needsRestart: [] };
  for (const key of changedKeys(current as unknown as Tree, next as unknown as Tree, '').sort()) {
    (isLiveSetting(key) ? plan.live : plan.needsRestart).push(key);
  }
  return plan;
}

/**
 * Puts the live keys of `next` into `current`, in place: the running server holds `current`
 * everywhere (server.config), so readers see the new values without being told.
 */
export function applyLiveSettings(current: Config, next: Config, keys: readonly string[]): void {
  for (const key of keys) {
    const parts = key.split('.');
    const last = parts.pop()!;
    let into = current as unknown as Tree;
    let from = next as unknown as Tree;
    for (const part of parts) {
      into = into[part] as Tree;
      from = from[part] as Tree;
    }
    into[last] = structuredClone(from[last]);
  }
}

type Tree = Record<string, unknown>;

function isSection(value: unknown): value is Tree {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Leaf keys (sections walked, arrays compared whole) whose values differ. */
function changedKeys(current: Tree, next: Tree, prefix: string): string[] {
  const keys = new Set([...Object.keys(current), ...Object.keys(next)]);
  const changed: string[] = [];
  for (const key of keys) {
    if (prefix === '' && IGNORED.has(key)) continue;
    const path = `${prefix}${key}`;
    const [a, b] = [current[key], next[key]];
    if (isSection(a) && isSection(b)) changed.push(...changedKeys(a, b, `${path}.`));
    else if (JSON.stringify(a) !== JSON.stringify(b)) changed.push(path);
  }
  return changed;
}
