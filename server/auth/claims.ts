/**
 * The claims a site's token carries about its user (DESIGN.md "Operations and site
 * sign-in"): `sub`, `nick` (default `sub`), `img`, `op`. The registered claims (`exp`, `nbf`,
 * `iss`, `aud`) are jose's to check; what is here only runs on a verified token.
 */
import { z } from 'zod';
import type { SiteIdentity } from '../core/site-identity.js';
import { normaliseNickname } from '../jid/nickname.js';

/** Longest avatar URL kept. */
const MAX_AVATAR_URL = 1024;

const claimsSchema = z.object({
  sub: z.string().min(1).max(256),
  nick: z.string().max(1024).optional(),
  img: z.string().max(MAX_AVATAR_URL).optional(),
  op: z.boolean().optional(),
});

/** The identity, or a sentence saying which claim is wrong. */
export function parseClaims(payload: unknown, avatarOrigins: readonly string[]): SiteIdentity | { problem: string } {
  const parsed = claimsSchema.safeParse(payload);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { problem: `claim "${issue?.path.join('.') || '?'}": ${issue?.message ?? 'invalid'}` };
  }
  const claims = parsed.data;
  const nick = normaliseNickname(claims.nick ?? claims.sub);
  if ('problem' in nick) return { problem: `claim "${claims.nick === undefined ? 'sub' : 'nick'}" is not a usable nickname (${nick.problem})` };
  const identity: SiteIdentity = { nick: nick.nick, operator: claims.op === true };
  if (claims.img !== undefined) {
    const avatar = allowedAvatar(claims.img, avatarOrigins);
    if (avatar === null) return { problem: 'claim "img" is not an https or http URL on an allowed site' };
    identity.avatar = avatar;
  }
  return identity;
}

function allowedAvatar(value: string, origins: readonly string[]): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return null;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return null;
  if (url.username !== '' || url.password !== '') return null;
  return origins.includes(url.origin) ? url.href : null;
}
