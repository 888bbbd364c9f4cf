/**
 * GET/POST /invite/<token>: the page behind a `palaver invite` link. GET shows a form for a
 * username and password; POST creates the account on [server].domain, taking the invitation
 * (one-time, checked against its stored hash in constant time), and shows the new JID with an
 * xmpp: link. An unknown, used or expired link gets 410 Gone; a username that is taken or
 * invalid re-shows the form (409/400) and leaves the link usable.
 */
import express, { type Request, type Response, type Router } from 'express';
import type { ServerContext } from '../core/context.js';
import { Jid, JidError } from '../jid/jid.js';
import { AccountExistsError } from '../storage/types.js';
import { deriveAllScramCredentials, InvalidPasswordError } from '../sasl/scram-credentials.js';
import { inviteTokenHash, looksLikeInviteToken, sameHash } from '../util/invite-tokens.js';
import { accountCreated, INVITE_PAGE_CSP, invitationForm, invitationUnusable } from './invite-page.js';

const MAX_PASSWORD_LENGTH = 1024;
const MAX_USERNAME_LENGTH = 64;

type Validity = { ok: true; hash: Buffer } | { ok: false; reason: string };

export function inviteRoutes(server: ServerContext): Router {
  const router = express.Router({ caseSensitive: true, strict: true });
  const domain = server.config.server.domain;
  const form = express.urlencoded({ extended: false, limit: '4kb', parameterLimit: 8 });

  router.use((_req, res, next) => {
    res.set({
      'Content-Security-Policy': INVITE_PAGE_CSP,
      'Cache-Control': 'no-store',
      // The token is in the URL: never send it on as a referrer.
      'Referrer-Policy': 'no-referrer',
      'X-Content-Type-Options': 'nosniff',
    });
    next();
  });

  router.get('/:token', (req, res, next) => {
    validInvitation(server, tokenOf(req)).then((validity) => {
      if (!validity.ok) gone(res, validity.reason);
      else res.type('html').send(invitationForm(domain));
    }, next);
  });

  router.post('/:token', form, (req, res, next) => {
    openAccount(server, req, res).catch(next);
  });
  return router;
}

async function validInvitation(server: ServerContext, token: string | undefined): Promise<Validity> {
  const unknown: Validity = { ok: false, reason: 'This invitation link is not valid.' };
  if (token === undefined || !looksLikeInviteToken(token)) return unknown;
  const hash = inviteTokenHash(token);
  const record = await server.storage.invitations.find(hash);
  if (!record || !sameHash(record.tokenHash, hash)) return unknown;
  if (record.used) return { ok: false, reason: 'This invitation link has already been used.' };
  if (record.expiresAt <= server.now()) return { ok: false, reason: 'This invitation link has expired.' };
  return { ok: true, hash };
}

async function openAccount(server: ServerContext, req: Request, res: Response): Promise<void> {
  const validity = await validInvitation(server, tokenOf(req));
  if (!validity.ok) {
    gone(res, validity.reason);
    return;
  }
  const domain = server.config.server.domain;
  const body = (req.body ?? {}) as Record<string, unknown>;
  const username = typeof body.username === 'string' ? body.username.trim() : '';
  const password = typeof body.password === 'string' ? body.password : '';
  const confirm = typeof body.confirm === 'string' ? body.confirm : '';
  const refuse = (status: number, error: string): void => {
    res.status(status).type('html').send(invitationForm(domain, { username, error }));
  };

  const jid = accountJid(username, domain);
  if (typeof jid === 'string') return refuse(400, jid);
  if (password === '') return refuse(400, 'Choose a password.');
  if (password.length > MAX_PASSWORD_LENGTH) return refuse(400, `A password has at most ${MAX_PASSWORD_LENGTH} characters.`);
  if (password !== confirm) return refuse(400, 'The two passwords differ.');
  const accounts = server.storage.accounts;
  if (accounts.exists(jid.local!, jid.domain)) return refuse(409, `${jid.toString()} is taken; choose another username.`);
  let credentials;
  try {
    credentials = await deriveAllScramCredentials(password, server.config.sasl.scram_iterations);
  } catch (error) {
    if (error instanceof InvalidPasswordError) return refuse(400, `This password cannot be used: ${error.message}.`);
    throw error;
  }
  if (!(await server.storage.invitations.take(validity.hash, server.now()))) {
    gone(res, 'This invitation link has already been used.');
    return;
  }
  try {
    accounts.create(jid.local!, jid.domain, credentials);
  } catch (error) {
    await server.storage.invitations.release(validity.hash);
    if (error instanceof AccountExistsError) return refuse(409, `${jid.toString()} is taken; choose another username.`);
    throw error;
  }
  server.log.info({ event: 'account-created-by-invitation' }, 'an account was opened with an invitation');
  res.status(201).type('html').send(accountCreated(jid.toString()));
}

/** The account's JID, or why the username cannot be one. */
function accountJid(username: string, domain: string): Jid | string {
  if (username === '') return 'Choose a username.';
  if (username.length > MAX_USERNAME_LENGTH) return `A username has at most ${MAX_USERNAME_LENGTH} characters.`;
  if (/[@/\s]/u.test(username)) return 'A username cannot contain @, / or spaces.';
  try {
    return Jid.of(username, domain);
  } catch (error) {
    if (error instanceof JidError) return `This username cannot be used: ${error.message}.`;
    throw error;
  }
}

function gone(res: Response, reason: string): void {
  res.status(410).type('html').send(invitationUnusable(reason));
}

function tokenOf(req: Request): string | undefined {
  const token: unknown = req.params.token;
  return typeof token === 'string' ? token : undefined;
}
