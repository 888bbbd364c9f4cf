import { xml, type Element } from '../xml/element.js';
import { StanzaError, StreamError, errorReply } from '../xml/errors.js';
import { NS } from '../xml/namespaces.js';
import { DEFAULT_LIMITS, type ParserLimits } from '../xml/stream-parser.js';
import { Jid, JidError, tryParseJid } from '../jid/jid.js';
import { Session, type StanzaSink } from '../core/session.js';
import type { StreamContext } from './context.js';
import type { Host } from '../core/host.js';
import { SaslNegotiation } from './sasl-negotiation.js';
import type { StreamTransport } from './transport.js';
import { randomId } from '../util/random-ids.js';
import { addressField } from '../log.js';
import { SITE_IDENTITY, type SiteIdentity } from '../core/site-identity.js';
import type { StreamManagement } from './sm/stream-management.js';
import { failed } from './sm/elements.js';
import { detachSession, enableStreamManagement, resumeSession, type SmConnection } from './sm/negotiation.js';
import { endSession } from './sm/session-end.js';

type State = 'awaiting-header' | 'negotiating' | 'authenticated' | 'bound' | 'closed';

const MESSAGE_TYPES = new Set(['normal', 'chat', 'groupchat', 'headline', 'error']);
const PRESENCE_TYPES = new Set(['unavailable', 'subscribe', 'subscribed', 'unsubscribe', 'unsubscribed', 'probe', 'error']);
const IQ_TYPES = new Set(['get', 'set', 'result', 'error']);

/**
 * One client stream, whatever the transport: the stream header, features, STARTTLS, SASL,
 * resource binding, then validation and from-stamping of every stanza before routing.
 */
export class XmppStream implements StanzaSink, SmConnection {
  readonly id = randomId(12);
  private state: State = 'awaiting-header';
  private host: Host | null = null;
  private headerSent = false;
  private sasl: SaslNegotiation | null = null;
  private username: string | null = null;
  private siteIdentity: SiteIdentity | undefined;
  private session: Session | null = null;
  /** XEP-0198, once the client enabled it (or resumed a session that had it). */
  private sm: StreamManagement | null = null;
  /**
   * The session ends with this connection: the client closed its stream, or we ended it with
   * a stream error. A connection that is simply lost (or idle too long) leaves a resumable
   * session waiting for its client instead.
   */
  private endsSession = false;
  private negotiationTimer: NodeJS.Timeout | null;

  constructor(
    private readonly server: StreamContext,
    private readonly transport: StreamTransport,
  ) {
    this.transport.setLimits(this.preAuthLimits());
    this.negotiationTimer = setTimeout(
      () => this.fail(new StreamError('connection-timeout', 'negotiation took too long')),
      server.config.limits.negotiation_timeout,
    );
    this.negotiationTimer.unref();
    server.log.info({ stream: this.id, transport: transport.kind, ...addressField(server.config, transport.remoteAddress) },
      'client connected');
    server.events.emit('stream-opened', transport.kind);
  }

  get remoteAddress(): string {
    return this.transport.remoteAddress;
  }

  get transportKind(): StreamTransport['kind'] {
    return this.transport.kind;
  }

  // --- Events from the transport -------------------------------------------------------

  /** A stream header (or its framing equivalent) arrived; attrs are its attributes. */
  onHeader(attrs: Record<string, string>): void {
    if (this.state === 'closed') return;
    if (this.state === 'bound' || (this.state !== 'awaiting-header' && !this.expectingRestart)) {
      this.fail(new StreamError('invalid-xml', 'unexpected stream header'));
      return;
    }
    this.expectingRestart = false;
    const requested = tryParseJid(attrs.to);
    const host = requested?.isDomain ? this.server.hosts.get(requested.domain) : undefined;
    if (!host || !host.acceptsClients || (this.host && this.host !== host)) {
      this.fail(new StreamError('host-unknown', attrs.to ? `this server does not serve ${attrs.to}` : 'the stream header has no "to"'));
      return;
    }
    this.host = host;
    if (attrs.version === undefined || !/^1\.\d+$/.test(attrs.version)) {
      this.fail(new StreamError('unsupported-version', 'XMPP 1.0 streams only'));
      return;
    }
    if (attrs.from !== undefined && !tryParseJid(attrs.from)) {
      this.fail(new StreamError('invalid-from'));
      return;
    }
    this.sendHeader();
    this.transport.sendElement(this.features());
    if (this.state === 'awaiting-header') this.state = 'negotiating';
  }

  onElement(element: Element): void {
    // A bug in any handler below ends this client's stream only, never the process.
    try {
      this.dispatchElement(element);
    } catch (error) {
      this.internalError(error);
    }
  }

  private internalError(error: unknown): void {
    this.server.log.error({ err: error }, 'stream handler failed');
    this.fail(new StreamError('internal-server-error'));
  }

  private dispatchElement(element: Element): void {
    switch (this.state) {
      case 'awaiting-header':
        this.fail(new StreamError('not-authorized', 'the stream has not been opened'));
        return;
      case 'negotiating':
        this.onNegotiationElement(element);
        return;
      case 'authenticated':
        if (element.attrs.xmlns === NS.sm && !this.expectingRestart && this.transport.kind !== 'bosh') this.onStreamManagementNonza(element);
        else this.onBindElement(element);
        return;
      case 'bound':
        if (element.attrs.xmlns === NS.sm && this.transport.kind !== 'bosh') this.onStreamManagementNonza(element);
        else this.onStanza(element);
        return;
      case 'closed':
        return;
    }
  }

  /** The client closed its stream: close ours. */
  onClientClose(): void {
    this.endsSession = true;
    this.end();
  }

  /** The transport detected a protocol error (bad XML, limits, timeouts). */
  onTransportError(error: StreamError): void {
    this.fail(error);
  }

  /** The connection is gone. */
  onTransportClosed(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.server.events.emit('stream-closed', this.transport.kind);
    this.clearNegotiationTimer();
    this.sasl = null;
    const session = this.session;
    if (!session || session.closed) return;
    if (!this.endsSession && this.sm?.resumption) detachSession(this.server, session, this.sm);
    else endSession(this.server, session, this.sm);
  }

  // --- StanzaSink ----------------------------------------------------------------------

  send(stanza: Element): void {
    if (this.state === 'closed') return;
    if (this.sm && !this.sm.track(stanza)) return;
    this.transport.sendElement(stanza);
    this.server.events.emit('stanza-to-client', this.transport.kind);
  }

  close(error?: StreamError): void {
    this.endsSession = true;
    if (error) this.fail(error);
    else this.end();
  }

  // --- Stream management (SmConnection) ------------------------------------------------

  write(element: Element): void {
    if (this.state === 'closed') return;
    this.transport.sendElement(element);
    if (element.attrs.xmlns === undefined) this.server.events.emit('stanza-to-client', this.transport.kind);
  }

  handOver(): void {
    this.session = null;
    this.sm = null;
    this.fail(new StreamError('conflict', 'the session was resumed on another connection'));
  }

  private onStreamManagementNonza(element: Element): void {
    if (this.state === 'authenticated' && element.name === 'resume') {
      const resumed = resumeSession(this.server, element, this.host!, this.username!, this);
      if (!resumed) return;
      this.session = resumed.session;
      this.sm = resumed.sm;
      this.state = 'bound';
      this.clearNegotiationTimer();
    } else if (this.state === 'bound' && element.name === 'enable' && !this.sm) {
      this.sm = enableStreamManagement(this.server, this.session!, element, this);
    } else if (this.sm) {
      this.sm.onNonza(element);
    } else {
      // XEP-0198 §3: <enable/> before binding, or acks before enabling.
      this.transport.sendElement(failed('unexpected-request'));
    }
  }

  // --- Negotiation ---------------------------------------------------------------------

  private expectingRestart = false;

  private onNegotiationElement(element: Element): void {
    const xmlns = element.attrs.xmlns;
    if (xmlns === NS.tls && element.name === 'starttls') {
      this.startTls();
    } else if (xmlns === NS.sasl) {
      this.saslNegotiation().handle(element).catch((error: unknown) => this.internalError(error));
    } else {
      this.fail(new StreamError('not-authorized', 'authenticate first'));
    }
  }

  private startTls(): void {
    if (!this.transport.canStartTls || !this.transport.startTls) {
      this.transport.sendElement(xml('failure', { xmlns: NS.tls }));
      this.end();
      return;
    }
    this.transport.sendElement(xml('proceed', { xmlns: NS.tls }));
    this.expectingRestart = true;
    // The mechanisms (PLAIN needs TLS) and their context are decided anew on the TLS stream.
    this.sasl = null;
    this.transport.startTls();
  }

  private saslNegotiation(): SaslNegotiation {
    this.sasl ??= new SaslNegotiation(this.server, this.transport, this.host!, {
      succeeded: (username, identity) => this.onAuthenticated(username, identity),
      failedTooOften: () => this.fail(new StreamError('policy-violation', 'too many failed authentication attempts')),
    });
    return this.sasl;
  }

  private onAuthenticated(username: string, identity: SiteIdentity | undefined): void {
    this.username = username;
    this.siteIdentity = identity;
    this.sasl = null;
    this.state = 'authenticated';
    this.expectingRestart = true;
    this.transport.setLimits(this.postAuthLimits());
    this.transport.expectRestart();
  }

  private onBindElement(element: Element): void {
    if (this.expectingRestart) {
      this.fail(new StreamError('not-authorized', 'restart the stream after authentication'));
      return;
    }
    const bind = element.name === 'iq' && !element.attrs.xmlns && element.attrs.type === 'set'
      ? element.getChild('bind', NS.bind) : undefined;
    if (!bind) {
      if (element.name === 'iq' && element.getChild('session', NS.session)) {
        this.transport.sendElement(xml('iq', { type: 'result', id: element.attrs.id }));
        return;
      }
      this.fail(new StreamError('not-authorized', 'bind a resource first'));
      return;
    }
    const requested = bind.getChildText('resource')?.trim();
    let jid: Jid;
    try {
      jid = Jid.of(this.username!, this.host!.name, requested || randomId(6));
    } catch (error) {
      if (!(error instanceof JidError)) throw error;
      this.transport.sendElement(errorReply(element, new StanzaError('modify', 'bad-request', 'invalid resource')));
      return;
    }
    const session = new Session(jid, this.host!, this);
    if (this.siteIdentity) session.set(SITE_IDENTITY, this.siteIdentity);
    const replaced = this.server.sessions.add(session);
    replaced?.close(new StreamError('conflict', 'replaced by a new connection with the same resource'));
    this.session = session;
    this.state = 'bound';
    this.clearNegotiationTimer();
    this.transport.sendElement(xml('iq', { type: 'result', id: element.attrs.id },
      xml('bind', { xmlns: NS.bind }, xml('jid', {}, jid.toString()))));
    this.server.events.emit('session-bound', session);
  }

  // --- Bound: stanzas ------------------------------------------------------------------

  private onStanza(element: Element): void {
    const session = this.session!;
    if (element.attrs.xmlns !== undefined) {
      const handler = this.server.streamExtensions.nonzaHandler(element.attrs.xmlns);
      if (handler) handler(session, element);
      else this.fail(new StreamError('unsupported-stanza-type', `<${element.name}/> in ${element.attrs.xmlns}`));
      return;
    }
    this.sm?.stanzaHandled();
    if (element.name === 'iq' && element.getChild('session', NS.session) && element.attrs.type === 'set') {
      this.send(xml('iq', { type: 'result', id: element.attrs.id }));
      return;
    }
    const invalid = this.validate(element);
    if (invalid === 'stream') return;
    if (invalid) {
      element.attrs.from = session.jid.toString();
      this.server.router.bounce(element, invalid, session);
      return;
    }
    element.attrs.from = session.jid.toString();
    this.server.events.emit('stanza-from-client', session, element);
    this.server.router.route(element, session);
  }

  /** Checks a client stanza; returns a stanza error to answer with, or 'stream' if the stream was closed. */
  private validate(element: Element): StanzaError | 'stream' | null {
    const session = this.session!;
    if (element.name !== 'message' && element.name !== 'presence' && element.name !== 'iq') {
      this.fail(new StreamError('unsupported-stanza-type', `<${element.name}/> is not a stanza`));
      return 'stream';
    }
    const claimed = element.attrs.from;
    if (claimed !== undefined) {
      const from = tryParseJid(claimed);
      if (!from || !(from.equals(session.jid) || from.equals(session.bare))) {
        this.fail(new StreamError('invalid-from', 'the stanza claims to be from someone else'));
        return 'stream';
      }
    }
    const type = element.attrs.type;
    switch (element.name) {
      case 'iq': {
        if (!element.attrs.id || !IQ_TYPES.has(type ?? '')) return new StanzaError('modify', 'bad-request', 'an iq needs an id and a valid type');
        if ((type === 'get' || type === 'set') && element.getChildElements().length !== 1) {
          return new StanzaError('modify', 'bad-request', 'an iq get or set has exactly one child element');
        }
        return null;
      }
      case 'message':
        return type === undefined || MESSAGE_TYPES.has(type) ? null : new StanzaError('modify', 'bad-request', 'unknown message type');
      default:
        return type === undefined || PRESENCE_TYPES.has(type) ? null : new StanzaError('modify', 'bad-request', 'unknown presence type');
    }
  }

  // --- Helpers -------------------------------------------------------------------------

  private features(): Element {
    const features = xml('stream:features');
    if (this.state === 'authenticated') {
      features.cnode(xml('bind', { xmlns: NS.bind }));
      features.cnode(xml('session', { xmlns: NS.session }, xml('optional')));
      for (const feature of this.server.streamExtensions.features(this.host!)) features.cnode(feature);
      // XEP-0198 on TCP and WebSocket; BOSH keeps a session across requests its own way.
      if (this.transport.kind !== 'bosh') features.cnode(xml('sm', { xmlns: NS.sm }));
      return features;
    }
    const requireTls = this.server.config.tls.require_encryption && this.transport.kind === 'tcp';
    if (this.transport.canStartTls && !this.transport.secure) {
      features.cnode(xml('starttls', { xmlns: NS.tls }, requireTls ? xml('required') : undefined));
    }
    if (requireTls && !this.transport.secure) return features;
    const mechanisms = this.saslNegotiation().offered();
    if (mechanisms.length > 0) {
      features.cnode(xml('mechanisms', { xmlns: NS.sasl }, ...mechanisms.map((name) => xml('mechanism', {}, name))));
    }
    return features;
  }

  private sendHeader(): void {
    this.headerSent = true;
    this.transport.sendHeader({
      from: this.host?.name ?? this.server.config.server.domain,
      id: this.id,
      version: '1.0',
      'xml:lang': 'en',
    });
  }

  /** Sends a stream error (opening the stream first if needed) and closes. */
  fail(error: StreamError): void {
    if (this.state === 'closed') return;
    // A dead connection found by the idle timeout may still come back with <resume/>.
    if (error.condition !== 'connection-timeout') this.endsSession = true;
    if (!this.headerSent) this.sendHeader();
    this.server.log.debug({ condition: error.condition, text: error.text }, 'stream error');
    this.transport.sendElement(error.toElement());
    this.end();
  }

  private end(): void {
    if (this.state === 'closed') return;
    this.transport.close();
    this.onTransportClosed();
  }

  private clearNegotiationTimer(): void {
    if (this.negotiationTimer) clearTimeout(this.negotiationTimer);
    this.negotiationTimer = null;
  }

  private preAuthLimits(): ParserLimits {
    const { limits } = this.server.config;
    return { ...DEFAULT_LIMITS, maxDepth: Math.min(limits.max_depth, 16), maxElements: 200, maxStanzaSize: limits.preauth_max_stanza_size };
  }

  private postAuthLimits(): ParserLimits {
    const { limits } = this.server.config;
    return { ...DEFAULT_LIMITS, maxDepth: limits.max_depth, maxStanzaSize: limits.max_stanza_size };
  }
}
