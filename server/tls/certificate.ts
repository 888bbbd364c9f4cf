/**
 * The TLS certificate the listeners use.
 *
 * With `[tls].cert` and `[tls].key` set, those PEM files are read and checked (parsable,
 * key matches certificate). Otherwise Palaver keeps a self-signed certificate in
 * `<data_dir>/tls/{cert,key}.pem` and (re)generates it when it is missing, unreadable,
 * expired or about to expire, does not match its key, or does not list every domain the
 * config serves. Each domain is its own DNS subjectAltName (no wildcards: Gajim, among
 * others, refuses a wildcard for the bare domain), plus IP 127.0.0.1 and ::1 so that
 * `https://127.0.0.1:…` works too.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../config/types.js';
import { isIpAddress } from '../config/address.js';

export interface LoadedCertificate {
  /** PEM certificate (for a configured file: the whole file, chain included). */
  cert: string;
  /** PEM private key. */
  key: string;
  /** SHA-256 of the (leaf) certificate's DER, "AB:CD:…" uppercase. */
  fingerprint: string;
  /** True when this call generated a new self-signed certificate. */
  generated: boolean;
}

/** A certificate or key that cannot be used; the message names the file and the problem. */
export class CertificateError extends Error {}

/** Validity of a generated certificate (the CA/Browser Forum's old ceiling). */
const GENERATED_VALIDITY_DAYS = 825;
/** A generated certificate this close to expiry is replaced at start. */
const RENEW_BEFORE_MS = 30 * 24 * 3600 * 1000;
const DAY_MS = 24 * 3600 * 1000;

const LOOPBACK_IPS = ['127.0.0.1', '::1'] as const;

/** The directory and files of the generated certificate. */
export function generatedCertificatePaths(config: Config): { dir: string; cert: string; key: string } {
  const dir = path.join(config.server.data_dir, 'tls');
  return { dir, cert: path.join(dir, 'cert.pem'), key: path.join(dir, 'key.pem') };
}

/**
 * Every domain the server answers for, in a stable order without duplicates: the account
 * domain, then the anonymous, MUC and upload domains (those of disabled services left out).
 */
export function certificateDomains(config: Config): string[] {
  const domains = [config.server.domain];
  if (config.anonymous.enabled) domains.push(config.anonymous.domain);
  domains.push(config.muc.domain);
  if (config.upload.enabled) domains.push(config.upload.domain);
  const seen = new Set<string>();
  const out: string[] = [];
  for (const d of domains) {
    const name = d.toLowerCase().replace(/\.$/, '');
    if (name === '' || seen.has(name)) continue;
    seen.add(name);
    out.push(name);
  }
  return out;
}

/** The DNS names and IP addresses in a certificate's subjectAltName. */
export function certificateAltNames(certPem: string): { dns: string[]; ips: string[] } {
  const x509 = new crypto.X509Certificate(certPem);
  return parseSubjectAltName(x509.subjectAltName ?? '');
}

/** Names from `domains` that the certificate does not list explicitly (wildcards do not count). */
export function missingDomains(certPem: string, domains: readonly string[]): string[] {
  const { dns, ips } = certificateAltNames(certPem);
  const names = new Set(dns.map((n) => n.toLowerCase()));
  const addresses = new Set(ips.map(normaliseIp));
  return domains.filter((d) => (isIpAddress(d) ? !addresses.has(normaliseIp(d)) : !names.has(d.toLowerCase())));
}

export async function loadOrCreateCertificate(config: Config): Promise<LoadedCertificate> {
  const certPath = config.tls.cert.trim();
  const keyPath = config.tls.key.trim();
  if (certPath !== '' || keyPath !== '') {
    if (certPath === '' || keyPath === '') {
      throw new CertificateError('[tls] cert and key must be set together (or both left empty for a self-signed certificate)');
    }
    return loadConfiguredCertificate(path.resolve(certPath), path.resolve(keyPath));
  }
  return loadOrGenerate(config);
}

function loadConfiguredCertificate(certPath: string, keyPath: string): LoadedCertificate {
  const cert = readPem(certPath, '[tls] cert');
  const key = readPem(keyPath, '[tls] key');
  let x509: crypto.X509Certificate;
  try {
    x509 = new crypto.X509Certificate(cert);
  } catch (err) {
    throw new CertificateError(`[tls] cert: ${certPath} does not hold a PEM certificate (${errorText(err)})`);
  }
  let keyObject: crypto.KeyObject;
  try {
    keyObject = crypto.createPrivateKey(key);
  } catch (err) {
    throw new CertificateError(`[tls] key: ${keyPath} does not hold an unencrypted PEM private key (${errorText(err)})`);
  }
  if (!x509.checkPrivateKey(keyObject)) {
    throw new CertificateError(`[tls] key: ${keyPath} is not the private key of the certificate in ${certPath}`);
  }
  return { cert, key, fingerprint: x509.fingerprint256, generated: false };
}

function readPem(file: string, what: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file'
      : code === 'EACCES' ? 'permission denied'
      : code === 'EISDIR' ? 'is a directory'
      : errorText(err);
    throw new CertificateError(`${what}: cannot read ${file}: ${reason}`);
  }
}

async function loadOrGenerate(config: Config): Promise<LoadedCertificate> {
  const paths = generatedCertificatePaths(config);
  const domains = certificateDomains(config);
  const existing = readUsableGenerated(paths.cert, paths.key, domains);
  if (existing) return existing;

  const { cert, key } = await generateSelfSigned(domains);
  try {
    fs.mkdirSync(paths.dir, { recursive: true, mode: 0o700 });
    fs.chmodSync(paths.dir, 0o700);
    writeFileAtomic(paths.key, key, 0o600);
    writeFileAtomic(paths.cert, cert, 0o644);
  } catch (err) {
    throw new CertificateError(`cannot write the self-signed certificate to ${paths.dir}: ${errorText(err)}`);
  }
  return { cert, key, fingerprint: new crypto.X509Certificate(cert).fingerprint256, generated: true };
}

/** The stored generated certificate if it can be used as is; null when it must be (re)made. */
function readUsableGenerated(certPath: string, keyPath: string, domains: readonly string[]): LoadedCertificate | null {
  let cert: string;
  let key: string;
  try {
    cert = fs.readFileSync(certPath, 'utf8');
    key = fs.readFileSync(keyPath, 'utf8');
  } catch {
    return null;
  }
  try {
    const x509 = new crypto.X509Certificate(cert);
    if (!x509.checkPrivateKey(crypto.createPrivateKey(key))) return null;
    const notAfter = Date.parse(x509.validTo);
    if (!Number.isFinite(notAfter) || notAfter - Date.now() < RENEW_BEFORE_MS) return null;
    if (missingDomains(cert, domains).length > 0) return null;
    const { ips } = certificateAltNames(cert);
    const have = new Set(ips.map(normaliseIp));
    if (LOOPBACK_IPS.some((ip) => !have.has(normaliseIp(ip)))) return null;
    return { cert, key, fingerprint: x509.fingerprint256, generated: false };
  } catch {
    return null;
  }
}

async function generateSelfSigned(domains: readonly string[]): Promise<{ cert: string; key: string }> {
  const dnsNames = domains.filter((d) => !isIpAddress(d));
  const ips = [...new Set([...domains.filter((d) => isIpAddress(d)), ...LOOPBACK_IPS].map(normaliseIp))];
  const commonName = domains[0] ?? 'localhost';
  const notBeforeDate = new Date(Date.now() - 3600 * 1000); // tolerate a little clock skew
  const notAfterDate = new Date(notBeforeDate.getTime() + GENERATED_VALIDITY_DAYS * DAY_MS);
  // Loaded on demand: most starts reuse the stored certificate.
  const { default: selfsigned } = await import('selfsigned');
  const pems = await selfsigned.generate([{ name: 'commonName', value: commonName }], {
    keyType: 'rsa',
    keySize: 2048,
    algorithm: 'sha256',
    notBeforeDate,
    notAfterDate,
    extensions: [
      { name: 'basicConstraints', cA: false, critical: true },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true, clientAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          ...dnsNames.map((value) => ({ type: 2 as const, value })),
          ...ips.map((ip) => ({ type: 7 as const, ip })),
        ],
      },
    ],
  });
  return { cert: pems.cert, key: pems.private };
}

function writeFileAtomic(file: string, data: string, mode: number): void {
  const tmp = `${file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`;
  try {
    fs.writeFileSync(tmp, data, { mode, flag: 'wx' });
    fs.chmodSync(tmp, mode); // the umask may have narrowed or (for 0644) kept the mode; make it exact
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}

/**
 * Node formats subjectAltName as `DNS:a, DNS:b, IP Address:127.0.0.1`; values with
 * special characters are JSON-quoted (`DNS:"a,b"`).
 */
function parseSubjectAltName(text: string): { dns: string[]; ips: string[] } {
  const dns: string[] = [];
  const ips: string[] = [];
  let i = 0;
  while (i < text.length) {
    while (text[i] === ' ' || text[i] === ',') i++;
    if (i >= text.length) break;
    const colon = text.indexOf(':', i);
    if (colon === -1) break;
    const type = text.slice(i, colon);
    let value: string;
    let j = colon + 1;
    if (text[j] === '"') {
      let end = j + 1;
      while (end < text.length && text[end] !== '"') end += text[end] === '\\' ? 2 : 1;
      try {
        value = JSON.parse(text.slice(j, end + 1)) as string;
      } catch {
        value = text.slice(j + 1, end);
      }
      j = end + 1;
    } else {
      const comma = text.indexOf(', ', j);
      const end = comma === -1 ? text.length : comma;
      value = text.slice(j, end);
      j = end;
    }
    if (type === 'DNS') dns.push(value);
    else if (type === 'IP Address') ips.push(value);
    i = j;
  }
  return { dns, ips };
}

/** Canonical text of an IP address so that `::1` and `0:0:0:0:0:0:0:1` compare equal. */
function normaliseIp(ip: string): string {
  const bare = ip.startsWith('[') && ip.endsWith(']') ? ip.slice(1, -1) : ip;
  if (!bare.includes(':')) return bare;
  try {
    // URL parsing canonicalises IPv6 text (RFC 5952 compression, lowercase).
    return new URL(`http://[${bare}]/`).hostname.slice(1, -1);
  } catch {
    return bare.toLowerCase();
  }
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
