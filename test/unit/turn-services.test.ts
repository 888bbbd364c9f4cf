import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { serversOf } from '../../server/modules/calls/turn-uri.js';
import { turnCredential } from '../../server/modules/calls/turn-credentials.js';

describe('[calls] URIs as XEP-0215 services', () => {
  it('reads host, port and transport, with the RFC 7064/7065 default ports', () => {
    expect(serversOf('stun:stun.example')).toEqual([
      { type: 'stun', host: 'stun.example', port: 3478, transport: 'udp' },
      { type: 'stun', host: 'stun.example', port: 3478, transport: 'tcp' },
    ]);
    expect(serversOf('turn:turn.example:3479?transport=tcp')).toEqual([{ type: 'turn', host: 'turn.example', port: 3479, transport: 'tcp' }]);
    expect(serversOf('turns:turn.example')).toEqual([{ type: 'turns', host: 'turn.example', port: 5349, transport: 'tcp' }]);
    expect(serversOf('turn:[2001:db8::1]:3478?transport=udp')).toEqual([{ type: 'turn', host: '2001:db8::1', port: 3478, transport: 'udp' }]);
    expect(serversOf('http://example')).toEqual([]);
  });
});

describe('coturn REST credentials', () => {
  it('are <expiry>:<user> with base64(HMAC-SHA1(secret, user name)), expiring in whole seconds', () => {
    const credential = turnCredential('s3cret', 'opaque', 3_600_000, 1_700_000_000_500);
    expect(credential.username).toBe('1700003600:opaque');
    expect(credential.expires).toBe(1_700_003_600_000);
    expect(credential.password).toBe(createHmac('sha1', 's3cret').update('1700003600:opaque').digest('base64'));
  });
});
