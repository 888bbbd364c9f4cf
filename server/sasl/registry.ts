/** Which SASL mechanisms a host offers, strongest first. */
import { anonymousMechanism } from './anonymous.js';
import type { SaslContext, SaslMechanism } from './mechanism.js';
import { plainMechanism } from './plain.js';
import { scramMechanism } from './scram.js';

export type HostKind = 'account' | 'anonymous';

export interface RegistryOptions {
  /** The configured `[sasl].scram_iterations`, used for unknown users' fake challenges. */
  scramIterations?: number;
}

/**
 * Account hosts: SCRAM-SHA-512, SCRAM-SHA-256, SCRAM-SHA-1, PLAIN (PLAIN only where its
 * `offered` says so). Anonymous hosts: ANONYMOUS only. Callers still filter with `offered(ctx)`.
 */
export function mechanismsFor(kind: HostKind, options: RegistryOptions = {}): SaslMechanism[] {
  if (kind === 'anonymous') return [anonymousMechanism()];
  const fakeIterations = options.scramIterations;
  const scramOptions = fakeIterations === undefined ? {} : { fakeIterations };
  return [
    scramMechanism('SHA-512', scramOptions),
    scramMechanism('SHA-256', scramOptions),
    scramMechanism('SHA-1', scramOptions),
    plainMechanism(scramOptions),
  ];
}

/** The mechanisms of `list` offered on this stream, in order. */
export function offeredMechanisms(list: readonly SaslMechanism[], ctx: SaslContext): SaslMechanism[] {
  return list.filter((mechanism) => mechanism.offered(ctx));
}
