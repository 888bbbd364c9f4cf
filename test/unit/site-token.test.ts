import { createHmac, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SignJWT, importPKCS8 } from 'jose';
import { describe, expect, it } from 'vitest';
import { MAX_TOKEN_BYTES, SiteTokenVerifier, type TokenCheck } from '../../server/auth/site-token.js';
import type { Config } from '../../server/config/types.js';

const SECRET = 'a shared secret of the site, long enough';
const ISSUER = 'https://site.example';
const AUDIENCE = 'palaver';
const NOW = 1_800_000_000;
const AVATARS = ['https://chat.example', 'https://site.example'];

function jwtConfig(overrides: Partial<Config['auth']['jwt']> = {}): Config['auth']['jwt'] {
  return { mode: 'optional', secret: SECRET, public_key: '', issuer: ISSUER, audience: AUDIENCE, frame_ancestors: [], ...overrides };
}

function verifier(overrides: Partial<Config['auth']['jwt']> = {}): SiteTokenVerifier {
  return new SiteTokenVerifier(jwtConfig(overrides), { avatarOrigins: AVATARS, now: () => NOW });
}

type Claims = Record<string, unknown>;

async function signHs256(claims: Claims = {}, key: Uint8Array = new TextEncoder().encode(SECRET)): Promise<string> {
  const payload = { sub: 'user-42', nick: 'Alice', iss: ISSUER, aud: AUDIENCE, iat: NOW, exp: NOW + 600, ...claims };
  return new SignJWT(payload).setProtectedHeader({ alg: 'HS256' }).sign(key);
}

function refusal(check: TokenCheck): string {
  return check.ok ? 'accepted' : check.refusal;
}

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

function pemFiles(): { rsaPublic: string; rsaPrivate: string; edPublic: string; edPrivate: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'palaver-jwt-'));
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const ed = generateKeyPairSync('ed25519');
  const rsaPublic = path.join(dir, 'rsa.pem');
  const edPublic = path.join(dir, 'ed.pem');
  writeFileSync(rsaPublic, rsa.publicKey.export({ type: 'spki', format: 'pem' }));
  writeFileSync(edPublic, ed.publicKey.export({ type: 'spki', format: 'pem' }));
  return {
    rsaPublic, edPublic,
    rsaPrivate: rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    edPrivate: ed.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
  };
}

describe('site token verification (HS256 shared secret)', () => {
  it('accepts a good token: the nickname, no avatar, not an operator', async () => {
    const check = await verifier().verify(await signHs256());
    expect(check).toEqual({ ok: true, identity: { nick: 'Alice', operator: false } });
  });

  it('takes the nickname from sub when there is no nick, and op and an allowed avatar', async () => {
    const check = await verifier().verify(await signHs256({ nick: undefined, sub: 'bob', op: true, img: 'https://site.example/a/bob.png' }));
    expect(check).toEqual({ ok: true, identity: { nick: 'bob', operator: true, avatar: 'https://site.example/a/bob.png' } });
  });

  it('refuses an expired token, but forgives a clock skew of up to 30 seconds', async () => {
    expect(refusal(await verifier().verify(await signHs256({ exp: NOW - 60 })))).toBe('expired');
    expect(refusal(await verifier().verify(await signHs256({ exp: NOW - 20 })))).toBe('accepted');
  });

  it('refuses a token without exp', async () => {
    const token = await new SignJWT({ sub: 'x' }).setProtectedHeader({ alg: 'HS256' }).setIssuer(ISSUER).setAudience(AUDIENCE)
      .sign(new TextEncoder().encode(SECRET));
    const check = await verifier().verify(token);
    expect(refusal(check)).toBe('malformed');
  });

  it('refuses a token that is not valid yet', async () => {
    const check = await verifier().verify(await signHs256({ nbf: NOW + 120 }));
    expect(check).toMatchObject({ ok: false, refusal: 'not-yet-valid', text: 'the sign-in token is not valid yet' });
  });

  it('refuses a token signed with another secret', async () => {
    const check = await verifier().verify(await signHs256({}, new TextEncoder().encode('someone else’s secret')));
    expect(check).toMatchObject({ ok: false, refusal: 'bad-signature', text: 'the sign-in token has a bad signature' });
  });

  it('refuses a wrong audience and a wrong issuer, and checks neither when not configured', async () => {
    expect(refusal(await verifier().verify(await signHs256({ aud: 'another-chat' })))).toBe('wrong-audience');
    expect(refusal(await verifier().verify(await signHs256({ iss: 'https://evil.example' })))).toBe('wrong-issuer');
    const lax = verifier({ issuer: '', audience: '' });
    expect(refusal(await lax.verify(await signHs256({ aud: 'another-chat', iss: 'https://evil.example' })))).toBe('accepted');
  });

  it('refuses alg none', async () => {
    const token = `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url({ sub: 'x', iss: ISSUER, aud: AUDIENCE, exp: NOW + 600 })}.`;
    expect(refusal(await verifier().verify(token))).toBe('bad-signature');
  });

  it('refuses an oversized token before parsing it', async () => {
    const token = await signHs256({ padding: 'x'.repeat(MAX_TOKEN_BYTES) });
    const check = await verifier().verify(token);
    expect(check).toMatchObject({ ok: false, refusal: 'too-large' });
  });

  it('refuses malformed tokens', async () => {
    const header = base64url({ alg: 'HS256' });
    const notJson = `${header}.${Buffer.from('not json').toString('base64url')}`;
    const signedNotJson = `${notJson}.${createHmac('sha256', SECRET).update(notJson).digest('base64url')}`;
    for (const token of ['', 'abc', 'a.b.c', signedNotJson]) {
      expect(refusal(await verifier().verify(token)), token).toBe('malformed');
    }
  });

  it('refuses claims of the wrong type, unusable nicknames and avatars from other sites', async () => {
    const cases: Claims[] = [
      { op: 'yes' },
      { sub: 42 },
      { nick: 'Al\u202eice' },
      { nick: ' ' },
      { nick: 'n'.repeat(65) },
      { img: 'https://tracker.example/pixel.png' },
      { img: 'javascript:alert(1)' },
    ];
    for (const claims of cases) {
      const check = await verifier().verify(await signHs256(claims));
      expect(refusal(check), JSON.stringify(claims)).toBe('malformed');
    }
  });
});

describe('site token verification (public keys)', () => {
  const keys = pemFiles();

  it('accepts RS256 with the RSA public key, and EdDSA with the Ed25519 one', async () => {
    const rsaToken = await new SignJWT({ sub: 'r', nick: 'Rosa' }).setProtectedHeader({ alg: 'RS256' }).setIssuer(ISSUER)
      .setAudience(AUDIENCE).setExpirationTime(NOW + 60).sign(await importPKCS8(keys.rsaPrivate, 'RS256'));
    const edToken = await new SignJWT({ sub: 'e', nick: 'Ed' }).setProtectedHeader({ alg: 'EdDSA' }).setIssuer(ISSUER)
      .setAudience(AUDIENCE).setExpirationTime(NOW + 60).sign(await importPKCS8(keys.edPrivate, 'EdDSA'));
    expect(await verifier({ secret: '', public_key: keys.rsaPublic }).verify(rsaToken)).toMatchObject({ ok: true, identity: { nick: 'Rosa' } });
    expect(await verifier({ secret: '', public_key: keys.edPublic }).verify(edToken)).toMatchObject({ ok: true, identity: { nick: 'Ed' } });
    // Each key takes only its own algorithm.
    expect(refusal(await verifier({ secret: '', public_key: keys.edPublic }).verify(rsaToken))).toBe('bad-signature');
  });

  it('refuses HS256 signed with the RSA public key as the secret (HS/RS confusion)', async () => {
    const { readFileSync } = await import('node:fs');
    const publicPem = readFileSync(keys.rsaPublic);
    const token = await signHs256({}, new Uint8Array(publicPem));
    expect(refusal(await verifier({ secret: '', public_key: keys.rsaPublic }).verify(token))).toBe('bad-signature');
  });
});
