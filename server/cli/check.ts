/**
 * `palaver check`: validates the config (and configured certificate files) without
 * starting anything or writing anything, and prints what the server would serve.
 */
import path from 'node:path';
import type { Config } from '../config/types.js';
import { CertificateError, generatedCertificatePaths, loadOrCreateCertificate } from '../tls/certificate.js';
import { describeSource } from './config.js';
import { EXIT_USAGE, CliError } from './errors.js';

export async function checkConfig(config: Config, out: NodeJS.WritableStream = process.stdout): Promise<void> {
  let tls: string;
  if (config.tls.cert !== '' || config.tls.key !== '') {
    try {
      const loaded = await loadOrCreateCertificate(config);
      tls = `${config.tls.cert} (SHA-256 ${loaded.fingerprint})`;
    } catch (err) {
      if (err instanceof CertificateError) throw new CliError(err.message, EXIT_USAGE);
      throw err;
    }
  } else {
    tls = `self-signed, kept in ${path.dirname(generatedCertificatePaths(config).cert)}`;
  }
  out.write(summarise(config, tls));
}

function summarise(config: Config, tls: string): string {
  const off = (enabled: boolean, value: string): string => (enabled ? value : `${value} (disabled)`);
  const listener = (value: string): string => (value === '' ? 'off' : value);
  const lines = [
    `configuration OK: ${describeSource(config)}`,
    'domains:',
    `  accounts   ${config.server.domain} (auth: ${config.server.auth})`,
    `  guests     ${off(config.anonymous.enabled, config.anonymous.domain)}`,
    `  rooms      ${config.muc.domain}`,
    `  upload     ${off(config.upload.enabled, config.upload.domain)}`,
    `  proxy      ${off(config.proxy.listen !== '', config.proxy.domain)}`,
    'listeners:',
    `  c2s (STARTTLS)   ${listener(config.listen.c2s)}`,
    `  c2s (direct TLS) ${listener(config.listen.c2s_direct_tls)}`,
    `  http             ${listener(config.listen.http)} (public URL ${config.listen.public_url})`,
    `  SOCKS5 proxy     ${listener(config.proxy.listen)}`,
    `tls:        ${tls}${config.tls.require_encryption ? '' : ' (encryption not required on c2s)'}`,
    `data_dir:   ${config.server.data_dir}`,
    `channels:   ${config.channels.length === 0 ? 'none' : config.channels.map((c) => c.name).join(', ')}`,
  ];
  if (config.access.allow.length > 0) lines.push(`allow:      ${config.access.allow.join(', ')}`);
  return `${lines.join('\n')}\n`;
}
