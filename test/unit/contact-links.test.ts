import { describe, expect, it } from 'vitest';
import { contactLinks } from '../../server/http/contact-links.js';
import { renderLandingPage } from '../../server/http/landing-page.js';
import { configFromObject } from '../../server/config/load.js';
import fs from 'node:fs';

const none = { admin: [], abuse: [], support: [], security: [] };

describe('contact addresses on the landing page (XEP-0157)', () => {
  it('are a footer line of links, escaped, in the order a guest needs them', () => {
    const html = contactLinks({ ...none, admin: ['xmpp:admin@chat.example'], support: ['mailto:help@chat.example?subject=a"b', 'https://chat.example/help'] }).html;
    expect(html).toBe('<p class="contacts">Help: <a href="mailto:help@chat.example?subject=a&quot;b">help@chat.example?subject=a&quot;b</a>, '
      + '<a href="https://chat.example/help">chat.example/help</a> · Admin: <a href="xmpp:admin@chat.example">admin@chat.example</a></p>');
  });

  it('are nothing without addresses, and never a link of another scheme', () => {
    expect(contactLinks(none).html).toBe('');
    expect(contactLinks({ ...none, abuse: ['javascript:alert(1)'] }).html).toBe('');
  });

  it('show in the rendered page', () => {
    const config = configFromObject({ server: { contact: { abuse: ['mailto:abuse@chat.example'] } } }, '/tmp');
    const template = fs.readFileSync(new URL('../../landing/index.html', import.meta.url), 'utf8');
    const page = renderLandingPage(template, config, {}, 'assets/x/');
    expect(page).toContain('<p class="contacts">Report abuse: <a href="mailto:abuse@chat.example">abuse@chat.example</a></p></footer>');
  });
});
