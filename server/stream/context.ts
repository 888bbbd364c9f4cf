import type { ServerContext } from '../core/context.js';
import type { AccessControl } from '../access/control.js';
import type { SignInThrottle } from '../access/cluster-auth-throttle.js';
import type { SiteTokenVerifier } from '../auth/site-token.js';
import type { StreamExtensions } from '../core/stream-extensions.js';
import type { ResumableSessions } from './sm/resumable-sessions.js';

/**
 * What the listeners and the stream negotiation use beyond what feature modules see: the
 * start-up code builds it and hands it to the transports and the HTTP listener.
 */
export interface StreamContext extends ServerContext {
  /** [access]: allowlist, trusted proxies, per-address connection and guest sign-in limits. */
  access: AccessControl;
  /** SASL failures per client address and per account (sasl/auth-throttle.ts; on a cluster, access/cluster-auth-throttle.ts around it). */
  authThrottle: SignInThrottle;
  /** Stream features and nonzas added by modules (also provided to them as STREAM_EXTENSIONS). */
  streamExtensions: StreamExtensions;
  /** [auth.jwt]: checks the tokens sites sign for their users; null when the mode is "off". */
  siteTokens: SiteTokenVerifier | null;
  /** XEP-0198: sessions that can be resumed, by resumption id. */
  resumableSessions: ResumableSessions;
}
