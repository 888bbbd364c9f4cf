/** Which SASL mechanisms a host offers, strongest first. */
import type { SiteTokenVerifier } from '../auth/site-token.js';
import { anonymousMechanism } from './anonymous.js';
import type { SaslContext, SaslMechanism } from './mechanism.js';
import { oauthBearerMechanism } from './oauthbearer.js';
import { plainMechanism } from './plain.js';
import { scramMechanism } from './scram.js';

export type HostKind = 'account' | 'anonymous';

export interface RegistryOptions {
  /** The configured `[sasl].scram_iterations`, used for unknown users' fake challenges. */
  scramIterations?: number;
  /** [auth.jwt] when sites sign their users in; in "required" mode guests need a token. */
  siteTokens?: SiteTokenVerifier | null;
}

/**
 * Account hosts: SCRAM-SHA-512, SCRAM-SHA-256, SCRAM-SHA-1, PLAIN (PLAIN only where its
 * `offered` says so). Anonymous hosts: OAUTHBEARER when sites sign users in, and ANONYMOUS unless a token is
 * required. Callers still filter with `offered(ctx)`.
 */
export function mechanismsFor(kind: HostKind, options: RegistryOptions = {}): SaslMechanism[] {
  if (kind === 'anonymous') {
    const { siteTokens } = options;
    if (!siteTokens) return [anonymousMechanism()];
    return siteTokens.required ? [oauthBearerMechanism(siteTokens)] : [oauthBearerMechanism(siteTokens), anonymousMechanism()];
  }
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
