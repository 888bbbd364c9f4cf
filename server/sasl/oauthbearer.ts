/**
 * OAUTHBEARER (RFC 7628) on the guests' host, carrying a site's signed token ([auth.jwt]):
 * the mechanism Strophe.js (and so Converse.js) sends a bearer token with. The GS2 header and
 * key-value pairs are parsed here by hand (no library does it for a server).
 *
 *   client-resp = gs2-header %x01 *(key "=" value %x01) %x01
 *   auth        = "Bearer" 1*SP b64token
 *
 * The guest gets a fresh random localpart, as with ANONYMOUS: the token's `sub` never
 * becomes an address, so nothing links a guest's JID to the site's user id. A refused token
 * fails at once with not-authorized and a text saying which check failed, rather than with
 * RFC 7628's JSON error challenge (§3.2.2), which Strophe.js cannot answer.
 */
import type { SiteTokenVerifier } from '../auth/site-token.js';
import { randomLocalpart } from './anonymous.js';
import type { SaslContext, SaslExchange, SaslMechanism, SaslStep } from './mechanism.js';
import { decodeSaslname, decodeUtf8, fail, SingleMessage } from './util.js';

const KVSEP = '\x01';
const KEY = /^[A-Za-z]+$/;
// RFC 7628 §3.1 value: VCHAR, SP, HTAB, CR, LF.
const VALUE = /^[\x21-\x7e \t\r\n]*$/;
// RFC 6750 §2.1 b64token.
const BEARER = /^bearer +([A-Za-z0-9\-._~+/]+=*)$/i;

export function oauthBearerMechanism(verifier: SiteTokenVerifier): SaslMechanism {
  return {
    name: 'OAUTHBEARER',
    createsGuest: true,
    // A bearer token is as good as a password: never over a channel others can read.
    offered: (ctx) => ctx.secure,
    start: (ctx) => new OAuthBearerExchange(ctx, verifier),
  };
}

class OAuthBearerExchange implements SaslExchange {
  private readonly turns = new SingleMessage('OAUTHBEARER');

  constructor(
    private readonly ctx: SaslContext,
    private readonly verifier: SiteTokenVerifier,
  ) {}

  async step(data: Buffer): Promise<SaslStep> {
    const early = this.turns.early(data);
    if (early) return early;
    const request = parseClientResponse(data);
    if ('problem' in request) return fail('malformed-request', request.problem);
    if (request.authzid !== '' && request.authzid !== this.ctx.host) {
      return fail('invalid-authzid', 'a guest cannot choose an address');
    }
    const check = await this.verifier.verify(request.token);
    if (!check.ok) return fail('not-authorized', check.text);
    return { kind: 'success', username: randomLocalpart(), identity: check.identity };
  }
}

export interface BearerRequest {
  authzid: string;
  token: string;
}

/** Parses an OAUTHBEARER client response (RFC 7628 §3.1); the bearer token and authzid, or what is wrong. */
export function parseClientResponse(data: Buffer): BearerRequest | { problem: string } {
  const text = decodeUtf8(data);
  if (text === null) return { problem: 'not UTF-8' };
  const headerEnd = gs2HeaderEnd(text);
  if (headerEnd === -1) return { problem: 'missing GS2 header' };
  const [flag, authzidField] = text.slice(0, headerEnd - 1).split(',') as [string, string];
  if (flag.startsWith('p=')) return { problem: 'channel binding is not supported' };
  if (flag !== 'n' && flag !== 'y') return { problem: 'bad GS2 flag' };
  let authzid = '';
  if (authzidField !== '') {
    if (!authzidField.startsWith('a=')) return { problem: 'bad authzid' };
    const decoded = decodeSaslname(authzidField.slice(2));
    if (decoded === null) return { problem: 'bad authzid' };
    authzid = decoded;
  }
  const rest = text.slice(headerEnd);
  if (!rest.startsWith(KVSEP) || !rest.endsWith(KVSEP + KVSEP)) return { problem: 'bad key-value framing' };
  const pairs = rest.slice(1, -2).split(KVSEP);
  let token: string | undefined;
  for (const pair of pairs) {
    const equals = pair.indexOf('=');
    const key = pair.slice(0, equals);
    const value = pair.slice(equals + 1);
    if (equals === -1 || !KEY.test(key) || !VALUE.test(value)) return { problem: 'bad key-value pair' };
    if (key === 'auth') {
      if (token !== undefined) return { problem: 'two auth values' };
      const bearer = BEARER.exec(value);
      if (!bearer) return { problem: 'auth is not "Bearer <token>"' };
      token = bearer[1]!;
    }
  }
  if (token === undefined) return { problem: 'no auth value' };
  return { authzid, token };
}

/** The index just after the GS2 header (`flag "," [authzid] ","`), or -1. */
function gs2HeaderEnd(text: string): number {
  const first = text.indexOf(',');
  const second = first === -1 ? -1 : text.indexOf(',', first + 1);
  return second === -1 ? -1 : second + 1;
}
