import { createHash } from 'node:crypto';
import { escapeHtml } from './landing-html.js';

/**
 * The invitation pages: small, self-contained HTML (no script, no third-party request). The
 * one inline style is allowed by its hash in the Content-Security-Policy.
 */
const STYLE = 'body{font:16px/1.5 system-ui,sans-serif;max-width:30em;margin:3em auto;padding:0 1em}'
  + 'label{display:block;margin-top:1em}input{font:inherit;width:100%;box-sizing:border-box;padding:.4em}'
  + 'button{font:inherit;margin-top:1.5em;padding:.5em 1.5em}.error{color:#a00}code{font-size:1.1em}';

export const INVITE_PAGE_CSP = [
  "default-src 'none'",
  `style-src 'sha256-${createHash('sha256').update(STYLE).digest('base64')}'`,
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

function page(title: string, body: string): string {
  return `<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">`
    + '<meta name="viewport" content="width=device-width, initial-scale=1">'
    + `<meta name="referrer" content="no-referrer"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head>`
    + `<body><h1>${escapeHtml(title)}</h1>${body}</body></html>\n`;
}

export function invitationForm(domain: string, values: { username?: string; error?: string } = {}): string {
  const error = values.error ? `<p class="error" role="alert">${escapeHtml(values.error)}</p>` : '';
  return page(`Open an account on ${domain}`, `${error}
<form method="post">
<label for="username">Username</label>
<input id="username" name="username" required maxlength="64" autocomplete="username" autocapitalize="none" spellcheck="false" value="${escapeHtml(values.username ?? '')}">
<label for="password">Password</label>
<input id="password" name="password" type="password" required maxlength="1024" autocomplete="new-password">
<label for="confirm">Password again</label>
<input id="confirm" name="confirm" type="password" required maxlength="1024" autocomplete="new-password">
<button type="submit">Open the account</button>
</form>
<p>This link works once. Your address will be <code>username@${escapeHtml(domain)}</code>.</p>`);
}

export function accountCreated(jid: string): string {
  const uri = `xmpp:${encodeURI(jid)}`;
  return page('Your account is ready', `<p>Your address is <code>${escapeHtml(jid)}</code>.</p>
<p><a href="${escapeHtml(uri)}">Open it in your XMPP client</a> and sign in with the password you chose.</p>
<p>This invitation link no longer works.</p>`);
}

export function invitationUnusable(reason: string): string {
  return page('This invitation does not work', `<p>${escapeHtml(reason)}</p><p>Ask whoever sent it for a new one.</p>`);
}
