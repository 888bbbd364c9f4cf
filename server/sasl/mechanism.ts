import type { SiteIdentity } from '../core/site-identity.js';
import type { AccountStore } from '../storage/types.js';

/** RFC 6120 §6.5 SASL failure conditions. */
export type SaslCondition =
  | 'aborted' | 'account-disabled' | 'credentials-expired' | 'encryption-required'
  | 'incorrect-encoding' | 'invalid-authzid' | 'invalid-mechanism' | 'malformed-request'
  | 'mechanism-too-weak' | 'not-authorized' | 'temporary-auth-failure';

export type SaslStep =
  | { kind: 'challenge'; data: Buffer }
  /**
   * username: the normalised localpart that is now authenticated. data: additional data
   * (SCRAM v=). identity: who a site's token says the guest is (OAUTHBEARER).
   */
  | { kind: 'success'; username: string; data?: Buffer; identity?: SiteIdentity }
  | { kind: 'failure'; condition: SaslCondition; text?: string };

export interface SaslContext {
  /** The domain the client asked for in its stream header (normalised). */
  host: string;
  /** The stream is encrypted (TLS) or otherwise counts as secure (loopback HTTP). */
  secure: boolean;
  accounts: AccountStore;
  /** "insecure" test mode: any username, any password. */
  insecure: boolean;
  /**
   * Whether attempts on this account (a normalised localpart of `host`) are refused for now
   * after too many failures. Mechanisms ask before checking any credential, and answer
   * temporary-auth-failure alike for existing and unknown accounts.
   */
  accountBlocked(username: string): boolean;
}

/** One SASL exchange in progress. data is the decoded client payload (empty Buffer for '='). */
export interface SaslExchange {
  step(data: Buffer): Promise<SaslStep>;
  /** The account (normalised localpart) this attempt named, once the client said it. */
  readonly account?: string;
}

export interface SaslMechanism {
  readonly name: string;
  /** A success makes a guest (ANONYMOUS, a site's token): the per-network guest sign-in limit applies. */
  readonly createsGuest?: boolean;
  /** Whether to offer this mechanism on this stream. */
  offered(ctx: SaslContext): boolean;
  start(ctx: SaslContext): SaslExchange;
}
