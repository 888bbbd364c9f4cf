import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Config } from '../../server/config/types.js';
import {
  CertificateError, certificateAltNames, certificateDomains, loadOrCreateCertificate, missingDomains,
} from '../../server/tls/certificate.js';

const tempDirs: string[] = [];
afterEach(() => {
  for (const dir of tempDirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'palaver-'));
  tempDirs.push(dir);
  return dir;
}

function makeConfig(dataDir: string, domains: Partial<{ server: string; anon: string; muc: string; upload: string }> = {}): Config {
  return {
    server: { domain: domains.server ?? 'chat.example', data_dir: dataDir, admins: [], auth: 'internal' },
    anonymous: { enabled: true, domain: domains.anon ?? 'anon.chat.example' },
    muc: {
      domain: domains.muc ?? 'conference.chat.example', history_length: 20, archive: true,
      archive_expires_after: 7 * 86_400_000, archive_max_messages: 10_000, anonymous_can_create_rooms: true, max_occupants: 100, max_rooms_per_user: 10,
    },
    upload: {
      enabled: true, domain: domains.upload ?? 'upload.chat.example', max_size: 10 * 1024 * 1024,
      expires_after: 86_400_000, quota_per_guest: 0, quota_per_account_per_day: 0, disk_quota: 0,
    },
    listen: { c2s: '127.0.0.1:5222', c2s_direct_tls: '', http: '127.0.0.1:5280', public_url: 'http://localhost:5280' },
    tls: { cert: '', key: '', require_encryption: true },
    access: { allow: [], trusted_proxies: ['127.0.0.1', '::1'], max_connections_per_address: 10, anonymous_logins_per_minute: 10 },
    limits: {
      max_stanza_size: 262_144, preauth_max_stanza_size: 10_000, max_depth: 64, negotiation_timeout: 30_000,
      idle_timeout: 300_000, max_outgoing_buffer: 1_048_576, sasl_failures_per_minute: 5, sasl_failures_per_account_per_minute: 10,
    },
    sasl: { scram_iterations: 4096 },
    http: { cors_origins: [], bosh_max_wait: 60_000, bosh_max_inactivity: 60_000, bosh_max_requests: 2 },
    landing: { title: 'Palaver', greeting: 'Hi', info: '' },
    channels: [],
    log: { level: 'silent', ip_addresses: false },
    source: null,
  };
}

describe('self-signed certificate', () => {
  it('is generated into data_dir/tls listing every domain explicitly, with no wildcard', async () => {
    const dataDir = tempDir();
    const config = makeConfig(dataDir);
    const loaded = await loadOrCreateCertificate(config);
    expect(loaded.generated).toBe(true);

    const certFile = path.join(dataDir, 'tls', 'cert.pem');
    const keyFile = path.join(dataDir, 'tls', 'key.pem');
    expect(fs.readFileSync(certFile, 'utf8')).toBe(loaded.cert);
    expect(fs.readFileSync(keyFile, 'utf8')).toBe(loaded.key);
    expect(fs.statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.join(dataDir, 'tls')).mode & 0o777).toBe(0o700);

    const x509 = new crypto.X509Certificate(loaded.cert);
    expect(x509.subject).toContain('CN=chat.example');
    expect(x509.subjectAltName).not.toContain('*');
    const { dns, ips } = certificateAltNames(loaded.cert);
    expect(dns.sort()).toEqual(['anon.chat.example', 'chat.example', 'conference.chat.example', 'upload.chat.example']);
    expect(ips).toContain('127.0.0.1');
    expect(ips.some((ip) => ip === '::1' || ip === '0:0:0:0:0:0:0:1')).toBe(true);
    expect(x509.checkPrivateKey(crypto.createPrivateKey(loaded.key))).toBe(true);
    for (const domain of certificateDomains(config)) expect(x509.checkHost(domain)).toBe(domain);

    const days = (Date.parse(x509.validTo) - Date.parse(x509.validFrom)) / 86_400_000;
    expect(days).toBeGreaterThan(800);
    expect(days).toBeLessThanOrEqual(826);
  });

  it('has a SHA-256 fingerprint as colon-separated uppercase hex of the DER', async () => {
    const loaded = await loadOrCreateCertificate(makeConfig(tempDir()));
    expect(loaded.fingerprint).toMatch(/^[0-9A-F]{2}(:[0-9A-F]{2}){31}$/);
    const der = new crypto.X509Certificate(loaded.cert).raw;
    const hex = crypto.createHash('sha256').update(der).digest('hex').toUpperCase().match(/../g)!.join(':');
    expect(loaded.fingerprint).toBe(hex);
  });

  it('is reused on the next start when the domains are unchanged', async () => {
    const dataDir = tempDir();
    const first = await loadOrCreateCertificate(makeConfig(dataDir));
    const second = await loadOrCreateCertificate(makeConfig(dataDir));
    expect(second.generated).toBe(false);
    expect(second.cert).toBe(first.cert);
    expect(second.key).toBe(first.key);
    expect(second.fingerprint).toBe(first.fingerprint);
  });

  it('is regenerated when a domain is added or changed', async () => {
    const dataDir = tempDir();
    const first = await loadOrCreateCertificate(makeConfig(dataDir));
    const second = await loadOrCreateCertificate(makeConfig(dataDir, { muc: 'rooms.chat.example' }));
    expect(second.generated).toBe(true);
    expect(second.fingerprint).not.toBe(first.fingerprint);
    expect(certificateAltNames(second.cert).dns).toContain('rooms.chat.example');
    expect(missingDomains(second.cert, certificateDomains(makeConfig(dataDir, { muc: 'rooms.chat.example' })))).toEqual([]);
  });

  it('is regenerated when the stored files are damaged', async () => {
    const dataDir = tempDir();
    await loadOrCreateCertificate(makeConfig(dataDir));
    fs.writeFileSync(path.join(dataDir, 'tls', 'cert.pem'), 'garbage');
    const again = await loadOrCreateCertificate(makeConfig(dataDir));
    expect(again.generated).toBe(true);
    expect(() => new crypto.X509Certificate(fs.readFileSync(path.join(dataDir, 'tls', 'cert.pem')))).not.toThrow();
  });

  it('lists only the domains of enabled services, without duplicates', () => {
    const config = makeConfig('/tmp/x', { server: 'localhost', anon: 'anon.localhost', muc: 'conference.localhost', upload: 'LOCALHOST' });
    expect(certificateDomains(config)).toEqual(['localhost', 'anon.localhost', 'conference.localhost']);
    config.anonymous.enabled = false;
    config.upload.enabled = false;
    expect(certificateDomains(config)).toEqual(['localhost', 'conference.localhost']);
  });
});

describe('configured certificate files', () => {
  it('are read as they are, without generating anything', async () => {
    const source = await loadOrCreateCertificate(makeConfig(tempDir()));
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'c.pem'), source.cert);
    fs.writeFileSync(path.join(dir, 'k.pem'), source.key);
    const dataDir = tempDir();
    const config = makeConfig(dataDir);
    config.tls.cert = path.join(dir, 'c.pem');
    config.tls.key = path.join(dir, 'k.pem');
    const loaded = await loadOrCreateCertificate(config);
    expect(loaded).toEqual({ cert: source.cert, key: source.key, fingerprint: source.fingerprint, generated: false });
    expect(fs.existsSync(path.join(dataDir, 'tls'))).toBe(false);
  });

  it('give a clear error naming the file when unreadable', async () => {
    const config = makeConfig(tempDir());
    config.tls.cert = '/nonexistent/palaver/cert.pem';
    config.tls.key = '/nonexistent/palaver/key.pem';
    const error = await loadOrCreateCertificate(config).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CertificateError);
    expect((error as Error).message).toContain('/nonexistent/palaver/cert.pem');
    expect((error as Error).message).toContain('no such file');
  });

  it('are refused when the key does not belong to the certificate', async () => {
    const a = await loadOrCreateCertificate(makeConfig(tempDir()));
    const b = await loadOrCreateCertificate(makeConfig(tempDir()));
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'c.pem'), a.cert);
    fs.writeFileSync(path.join(dir, 'k.pem'), b.key);
    const config = makeConfig(tempDir());
    config.tls.cert = path.join(dir, 'c.pem');
    config.tls.key = path.join(dir, 'k.pem');
    await expect(loadOrCreateCertificate(config)).rejects.toThrow(/not the private key/);
  });
});
