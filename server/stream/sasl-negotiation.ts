import { xml, type Element } from '../xml/element.js';
import { NS } from '../xml/namespaces.js';
import type { StreamContext } from './context.js';
import type { Host } from '../core/host.js';
import type { SignInOutcome } from '../core/events.js';
import type { SaslContext, SaslExchange, SaslMechanism, SaslStep } from '../sasl/mechanism.js';
import { mechanismsFor, offeredMechanisms } from '../sasl/registry.js';
import type { StreamTransport } from './transport.js';
import { addressField } from '../log.js';
import type { SiteIdentity } from '../core/site-identity.js';

const MAX_FAILURES_PER_STREAM = 3;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export interface SaslOutcome {
  succeeded(username: string, identity: SiteIdentity | undefined): void;
  failedTooOften(): void;
}

/** RFC 6120 §6: the <auth/>, <challenge/>, <response/>, <abort/> exchange on one stream. */
export class SaslNegotiation {
  private readonly context: SaslContext;
  private readonly mechanisms: SaslMechanism[];
  private exchange: SaslExchange | null = null;
  private mechanismName = '';
  private busy = false;
  private failures = 0;
  private readonly guest: boolean;

  constructor(
    private readonly server: StreamContext,
    private readonly transport: StreamTransport,
    host: Host,
    private readonly outcome: SaslOutcome,
  ) {
    this.guest = host.kind === 'anonymous';
    const { config } = server;
    this.context = {
      host: host.name,
      secure: transport.secure,
      accounts: server.storage.accounts,
      insecure: config.server.auth === 'insecure',
      accountBlocked: (username) => server.authThrottle.accountBlocked(this.accountOf(username)),
    };
    const candidates = mechanismsFor(host.kind === 'anonymous' ? 'anonymous' : 'account', {
      scramIterations: config.sasl.scram_iterations,
      siteTokens: server.siteTokens,
    });
    this.mechanisms = offeredMechanisms(candidates, this.context).filter((mechanism) => this.allowedOnChannel(mechanism));
  }

  offered(): string[] {
    return this.mechanisms.map((mechanism) => mechanism.name);
  }

  async handle(element: Element): Promise<void> {
    if (this.busy) {
      this.sendFailure('malformed-request', 'wait for the previous step');
      return;
    }
    switch (element.name) {
      case 'auth':
        return this.start(element);
      case 'response':
        if (!this.exchange) return this.sendFailure('malformed-request', 'no authentication in progress');
        return this.step(this.exchange, element);
      case 'abort':
        this.exchange = null;
        return this.fail('aborted');
      default:
        this.sendFailure('malformed-request');
    }
  }

  private async start(element: Element): Promise<void> {
    const mechanism = this.mechanisms.find((candidate) => candidate.name === element.attrs.mechanism);
    // RFC 6120 §6.5.3: where TLS is required, nothing is offered before it; not a guessed password.
    if (!mechanism && this.encryptionRequired()) return this.sendFailure('encryption-required', 'use STARTTLS first');
    if (!mechanism) return this.fail('invalid-mechanism');
    this.mechanismName = mechanism.name;
    if (this.server.authThrottle.addressBlocked(this.transport.remoteAddress)) {
      this.server.events.emit('refused', 'sign-in-failures');
      return this.refuse('too many failed attempts, try again in a minute');
    }
    if (mechanism.createsGuest === true && !this.server.access.takeAnonymousLogin(this.transport.remoteAddress)) {
      return this.refuse('too many guest sign-ins from your network, try again in a minute');
    }
    this.exchange = mechanism.start(this.context);
    return this.step(this.exchange, element);
  }

  private async step(exchange: SaslExchange, element: Element): Promise<void> {
    const text = element.getText().trim();
    // RFC 6120 §6.4.2: no text means no initial response; '=' means an empty one.
    if (text !== '' && text !== '=' && !BASE64.test(text)) return this.fail('incorrect-encoding');
    const data = text === '' || text === '=' ? Buffer.alloc(0) : Buffer.from(text, 'base64');
    this.busy = true;
    let result: SaslStep;
    try {
      result = await exchange.step(data);
    } finally {
      this.busy = false;
    }
    if (this.exchange !== exchange) return;
    switch (result.kind) {
      case 'challenge':
        this.transport.sendElement(xml('challenge', { xmlns: NS.sasl }, encode(result.data)));
        return;
      case 'success':
        this.exchange = null;
        // A guest's success (no account) clears nothing; see AuthThrottle.
        if (exchange.account !== undefined) this.server.authThrottle.accountSucceeded(this.accountOf(result.username));
        this.logOutcome('signed in', {});
        this.reportOutcome('succeeded');
        this.transport.sendElement(xml('success', { xmlns: NS.sasl }, result.data ? encode(result.data) : undefined));
        this.outcome.succeeded(result.username, result.identity);
        return;
      case 'failure':
        this.exchange = null;
        return this.fail(result.condition, result.text, exchange.account);
    }
  }

  /**
   * Every failure but an abort or an unknown mechanism counts towards the stream's limit;
   * towards the address's and account's limits too, except temporary-auth-failure: that is a
   * refusal (or our storage failing) in which no password was checked, and counting it would
   * keep a throttled account refused for as long as someone keeps asking.
   */
  private fail(condition: string, text?: string, account?: string): void {
    this.exchange = null;
    this.sendFailure(condition, text);
    if (condition === 'aborted' || condition === 'invalid-mechanism') return;
    this.logOutcome(condition === 'temporary-auth-failure' ? 'sign-in refused' : 'sign-in failed', { condition });
    this.reportOutcome(condition === 'temporary-auth-failure' ? 'refused' : 'failed');
    if (condition !== 'temporary-auth-failure') {
      this.server.authThrottle.recordFailure(this.transport.remoteAddress, account === undefined ? undefined : this.accountOf(account));
    }
    if (++this.failures >= MAX_FAILURES_PER_STREAM) this.outcome.failedTooOften();
  }

  /**
   * A limit refuses the attempt before any mechanism runs. It counts towards the stream's
   * failures (a client that keeps asking is cut off) but not towards the limits themselves.
   */
  private refuse(text: string): void {
    this.fail('temporary-auth-failure', text);
  }

  private accountOf(username: string): string {
    return `${username}@${this.context.host}`;
  }

  /** One line per sign-in outcome, with the client's address only where [log].ip_addresses allows. */
  private logOutcome(message: string, fields: { condition?: string }): void {
    this.server.log.info({
      ...fields,
      host: this.context.host,
      mechanism: this.mechanismName || undefined,
      transport: this.transport.kind,
      ...addressField(this.server.config, this.transport.remoteAddress),
    }, message);
  }

  private reportOutcome(outcome: SignInOutcome['outcome']): void {
    this.server.events.emit('sign-in', { outcome, guest: this.guest, transport: this.transport.kind });
  }

  private sendFailure(condition: string, text?: string): void {
    this.transport.sendElement(xml('failure', { xmlns: NS.sasl }, xml(condition),
      text ? xml('text', { 'xml:lang': 'en' }, text) : undefined));
  }

  /**
   * Over an unencrypted channel only ANONYMOUS (unless TCP requires TLS), and SCRAM where the
   * admin allowed plain TCP; PLAIN additionally needs the insecure test mode (DESIGN.md).
   */
  private allowedOnChannel(mechanism: SaslMechanism): boolean {
    if (this.transport.secure) return true;
    if (this.encryptionRequired()) return false;
    if (mechanism.name === 'ANONYMOUS') return true;
    if (this.transport.kind !== 'tcp') return false;
    return mechanism.name !== 'PLAIN' || this.context.insecure;
  }

  /** TCP c2s with `[tls].require_encryption` before STARTTLS: no mechanism at all, ANONYMOUS included. */
  private encryptionRequired(): boolean {
    return this.transport.kind === 'tcp' && !this.transport.secure && this.server.config.tls.require_encryption;
  }
}

function encode(data: Buffer): string {
  return data.length === 0 ? '=' : data.toString('base64');
}
