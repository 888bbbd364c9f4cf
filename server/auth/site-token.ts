/**
 * Verifies the tokens a site signs for its users ([auth.jwt], RFC 7519) with `jose`: HS256
 * with the shared secret, or RS256 / EdDSA with the site's public key. The algorithms are
 * pinned to the key's type (no `alg: none`, no HMAC keyed with a public key), `exp` is
 * required, `nbf` enforced, `iss` and `aud` checked when configured, with a bounded clock
 * skew. The token's size is capped before anything parses it.
 */
import { createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { errors, importSPKI, jwtVerify, type JWTVerifyOptions } from 'jose';
import type { Config } from '../config/types.js';
import type { SiteIdentity } from '../core/site-identity.js';
import { parseClaims } from './claims.js';

/** Longest token accepted, in bytes: far above name, avatar URL and signature, far below the stanza cap. */
export const MAX_TOKEN_BYTES = 4096;
/** Clocks of the site and of this server may differ by this much (seconds), for exp and nbf. */
export const CLOCK_SKEW_SECONDS = 30;

export type TokenRefusal = 'too-large' | 'malformed' | 'bad-signature' | 'expired' | 'not-yet-valid' | 'wrong-issuer' | 'wrong-audience';

export type TokenCheck = { ok: true; identity: SiteIdentity } | { ok: false; refusal: TokenRefusal; text: string };

const REFUSAL_TEXT: Record<TokenRefusal, string> = {
  'too-large': `the sign-in token is too large (at most ${MAX_TOKEN_BYTES} bytes)`,
  'malformed': 'the sign-in token is malformed',
  'bad-signature': 'the sign-in token has a bad signature',
  'expired': 'the sign-in token has expired',
  'not-yet-valid': 'the sign-in token is not valid yet',
  'wrong-issuer': 'the sign-in token is from the wrong issuer',
  'wrong-audience': 'the sign-in token is for another audience',
};

type VerificationKey = Parameters<typeof jwtVerify>[1] & object;

export interface SiteTokenOptions {
  /** Origins an avatar URL may point to. */
  avatarOrigins: readonly string[];
  /** Seconds since the epoch; injectable for tests. */
  now?: () => number;
}

export class SiteTokenVerifier {
  private readonly key: Promise<VerificationKey>;
  private readonly algorithms: string[];

  constructor(
    private readonly jwt: Config['auth']['jwt'],
    private readonly options: SiteTokenOptions,
  ) {
    if (jwt.secret !== '') {
      this.algorithms = ['HS256'];
      this.key = Promise.resolve(new TextEncoder().encode(jwt.secret));
    } else {
      const pem = readFileSync(jwt.public_key, 'utf8');
      const type = createPublicKey(pem).asymmetricKeyType;
      if (type === 'rsa') this.algorithms = ['RS256'];
      else if (type === 'ed25519') this.algorithms = ['EdDSA', 'Ed25519'];
      else throw new Error(`[auth.jwt].public_key ${jwt.public_key}: expected an RSA or Ed25519 public key, found ${type ?? 'another kind'}`);
      this.key = importSPKI(pem, this.algorithms[0]!);
    }
    // An unusable key is a start-up error, not a refusal of each guest.
    this.key.catch(() => {});
  }

  /** Whether only token holders may sign in as guests. */
  get required(): boolean {
    return this.jwt.mode === 'required';
  }

  async verify(token: string): Promise<TokenCheck> {
    if (Buffer.byteLength(token, 'utf8') > MAX_TOKEN_BYTES) return refused('too-large');
    const options: JWTVerifyOptions = {
      algorithms: this.algorithms,
      requiredClaims: ['exp'],
      clockTolerance: CLOCK_SKEW_SECONDS,
      ...(this.jwt.issuer !== '' && { issuer: this.jwt.issuer }),
      ...(this.jwt.audience !== '' && { audience: this.jwt.audience }),
      ...(this.options.now && { currentDate: new Date(this.options.now() * 1000) }),
    };
    let payload: unknown;
    try {
      ({ payload } = await jwtVerify(token, await this.key, options));
    } catch (error) {
      return refused(refusalOf(error));
    }
    const identity = parseClaims(payload, this.options.avatarOrigins);
    return 'problem' in identity ? { ok: false, refusal: 'malformed', text: `${REFUSAL_TEXT.malformed}: ${identity.problem}` } : { ok: true, identity };
  }
}

function refused(refusal: TokenRefusal): TokenCheck {
  return { ok: false, refusal, text: REFUSAL_TEXT[refusal] };
}

function refusalOf(error: unknown): TokenRefusal {
  if (error instanceof errors.JWTExpired) return 'expired';
  if (error instanceof errors.JWTClaimValidationFailed) {
    switch (error.claim) {
      case 'nbf': return 'not-yet-valid';
      case 'iss': return 'wrong-issuer';
      case 'aud': return 'wrong-audience';
      default: return 'malformed';
    }
  }
  // A token signed with another algorithm than the key's (alg none, HMAC with a public key)
  // is refused before its signature is looked at; to the site it is a wrong signature.
  if (error instanceof errors.JWSSignatureVerificationFailed || error instanceof errors.JOSEAlgNotAllowed) return 'bad-signature';
  if (error instanceof errors.JOSEError) return 'malformed';
  throw error;
}

/**
 * The verifier for [auth.jwt], or null when sites do not sign users in. Avatars may come
 * from this server's own public_url and from the sites allowed to frame the chat: the admin
 * already trusts those, and a guest's browser fetches nothing from anywhere else.
 */
export function siteTokenVerifierFor(config: Config, now?: () => number): SiteTokenVerifier | null {
  const { jwt } = config.auth;
  if (jwt.mode === 'off') return null;
  const avatarOrigins = [new URL(config.listen.public_url).origin, ...jwt.frame_ancestors];
  return new SiteTokenVerifier(jwt, { avatarOrigins, ...(now && { now }) });
}
