/**
 * Live reload (SIGHUP, `palaver reload`): reads the config file again and puts its live
 * settings (config/reloadable.ts) in force without dropping anyone. A file that no longer
 * validates, or a certificate that cannot be used, refuses the whole reload: the old
 * settings stay. Keys that need a restart are named in the log and left alone.
 *
 * What the start-up code built from the config (the certificate, access control, the SASL
 * throttle, the log level) is refreshed here; features refresh their own derived state on
 * the 'config-reloaded' event (the MUC module creates new [[channels]]).
 */
import { ConfigError, loadConfig } from '../config/load.js';
import { applyLiveSettings, planReload, type ReloadPlan } from '../config/reloadable.js';
import type { Config } from '../config/types.js';
import { CertificateError, loadOrCreateCertificate, type LoadedCertificate } from '../tls/certificate.js';
import type { ServerCredentials } from '../tls/server-credentials.js';
import { AuthThrottle } from '../sasl/auth-throttle.js';
import type { StreamContext } from '../stream/context.js';

export interface ReloadOutcome {
  /** refused: the file or its certificate could not be used; nothing changed. */
  status: 'applied' | 'refused';
  applied: string[];
  needsRestart: string[];
  /** Why it was refused (the config error's message). */
  error?: string;
}

export class ConfigReloader {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly context: StreamContext,
    private readonly credentials: ServerCredentials,
  ) {}

  /** Reloads once; calls made while one runs wait for it, so two signals never interleave. */
  reload(): Promise<ReloadOutcome> {
    const next = this.queue.then(() => this.reloadNow());
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async reloadNow(): Promise<ReloadOutcome> {
    const { log, config } = this.context;
    if (config.source === null) {
      return this.refused('the server was started without a config file (embedded defaults), so there is nothing to re-read');
    }
    let plan: ReloadPlan;
    let certificate: LoadedCertificate;
    let next: Config;
    try {
      next = loadConfig(config.source);
      plan = planReload(config, next);
      // The certificate for the settings that will be in force: a changed domain (which
      // needs a restart) must not make the self-signed certificate be generated anew now.
      const candidate = structuredClone(config);
      applyLiveSettings(candidate, next, plan.live);
      certificate = await loadOrCreateCertificate(candidate);
    } catch (error) {
      if (error instanceof ConfigError || error instanceof CertificateError) return this.refused(error.message);
      throw error;
    }

    if (plan.needsRestart.length > 0) {
      log.warn({ keys: plan.needsRestart }, `configuration reload: ${plan.needsRestart.join(', ')} changed and needs a restart; the running value stays until then`);
    }
    const previous = structuredClone(config);
    applyLiveSettings(config, next, plan.live);
    this.refreshStartupState(previous);
    const certificateChanged = this.credentials.replace(certificate);
    if (certificateChanged) log.info({ certificateSha256: this.credentials.fingerprint }, 'configuration reload: new TLS certificate in use for new connections');
    this.context.events.emit('config-reloaded', { previous, current: config, applied: plan.live, needsRestart: plan.needsRestart });
    log.info({ applied: plan.live }, plan.live.length > 0 || certificateChanged
      ? 'configuration reloaded'
      : 'configuration reloaded: nothing that applies live has changed');
    return { status: 'applied', applied: plan.live, needsRestart: plan.needsRestart };
  }

  /** What start-up built from the config: rebuilt only where its settings changed. */
  private refreshStartupState(previous: Config): void {
    const { context } = this;
    const { config } = context;
    if (config.log.level !== previous.log.level) context.log.level = config.log.level;
    if (JSON.stringify(config.access) !== JSON.stringify(previous.access)) context.access.reconfigure(config);
    const { sasl_failures_per_minute: perAddress, sasl_failures_per_account_per_minute: perAccount } = config.limits;
    if (perAddress !== previous.limits.sasl_failures_per_minute || perAccount !== previous.limits.sasl_failures_per_account_per_minute) {
      // New limits start new windows; the streams read context.authThrottle at each attempt.
      context.authThrottle = new AuthThrottle({ perAddress, perAccount, now: context.now });
    }
  }

  private refused(message: string): ReloadOutcome {
    this.context.log.error({}, `configuration not reloaded: ${message.split('\n').join('; ')}; the previous configuration stays in force`);
    return { status: 'refused', applied: [], needsRestart: [], error: message };
  }
}
