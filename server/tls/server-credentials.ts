import tls from 'node:tls';
import type { LoadedCertificate } from './certificate.js';

/**
 * The certificate the c2s listeners present, replaceable while they run: a reload after a
 * certbot renewal swaps it, new TLS handshakes get the new one, and connections already
 * encrypted keep theirs.
 */
export class ServerCredentials {
  private context: tls.SecureContext;
  private currentFingerprint: string;

  constructor(certificate: LoadedCertificate) {
    this.context = secureContextOf(certificate);
    this.currentFingerprint = certificate.fingerprint;
  }

  get fingerprint(): string {
    return this.currentFingerprint;
  }

  /** For the next handshake. */
  readonly secureContext = (): tls.SecureContext => this.context;

  /** Takes a newly read certificate; false when it is the one already in use. */
  replace(certificate: LoadedCertificate): boolean {
    if (certificate.fingerprint === this.currentFingerprint) return false;
    this.context = secureContextOf(certificate);
    this.currentFingerprint = certificate.fingerprint;
    return true;
  }
}

function secureContextOf(certificate: LoadedCertificate): tls.SecureContext {
  return tls.createSecureContext({ cert: certificate.cert, key: certificate.key });
}
