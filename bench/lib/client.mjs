/**
 * A minimal XMPP client for load generation: SASL ANONYMOUS, resource binding, sending
 * stanzas and waiting for the ones a scenario expects. No roster, no stream management.
 */
import { createTransport } from './transports.mjs';
import { attr, childText, localName, stanzaName } from './stanza.mjs';

const NS_SASL = 'urn:ietf:params:xml:ns:xmpp-sasl';
const NS_BIND = 'urn:ietf:params:xml:ns:xmpp-bind';
const NS_TLS = 'urn:ietf:params:xml:ns:xmpp-tls';

/**
 * @typedef {object} ClientOptions
 * @property {'tcp'|'ws'|'bosh'} transport
 * @property {string} host
 * @property {number} port
 * @property {string} domain        the anonymous host, e.g. anon.localhost
 * @property {string} [path]
 * @property {string} [hostHeader]
 * @property {boolean} [starttls]   upgrade with STARTTLS when offered (TCP only)
 * @property {number} [timeoutMs]   per step
 */

let nextId = 0;

export class XmppClient {
  /** @param {ClientOptions} options */
  constructor(options) {
    this.options = options;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.transport = createTransport(options.transport, options);
    this.transport.onStanza = (stanza) => this.dispatch(stanza);
    this.transport.onClosed = (reason) => this.onClosed(reason);
    this.ns = this.transport.stanzaNs;
    /** @type {{ predicate: (s: string) => boolean, resolve: (s: string) => void, reject: (e: Error) => void, timer: NodeJS.Timeout }[]} */
    this.waiters = [];
    /** Scenario hook for every stanza no waiter took. @type {(stanza: string) => void} */
    this.onStanza = () => {};
    this.jid = null;
    this.closed = false;
    this.closeReason = null;
    /** @type {(() => void)[]} */
    this.closeListeners = [];
    this.streamError = null;
  }

  dispatch(stanza) {
    if (stanzaName(stanza) === 'stream:error') this.streamError = stanza.slice(0, 300);
    for (let i = 0; i < this.waiters.length; i++) {
      const waiter = this.waiters[i];
      if (waiter.predicate(stanza)) {
        this.waiters.splice(i, 1);
        clearTimeout(waiter.timer);
        waiter.resolve(stanza);
        return;
      }
    }
    this.onStanza(stanza);
  }

  onClosed(reason) {
    this.closed = true;
    this.closeReason = this.streamError ? `${reason}: ${this.streamError}` : reason;
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) {
      clearTimeout(waiter.timer);
      waiter.reject(new Error(`connection closed (${this.closeReason})`));
    }
    for (const listener of this.closeListeners.splice(0)) listener();
  }

  /** Resolves with the first stanza matching `predicate`, which is then not seen by onStanza. */
  waitFor(predicate, what = 'a stanza', timeoutMs = this.timeoutMs) {
    if (this.closed) return Promise.reject(new Error(`connection closed (${this.closeReason}) before ${what}`));
    return new Promise((resolve, reject) => {
      const waiter = {
        predicate,
        resolve,
        reject,
        timer: setTimeout(() => {
          const at = this.waiters.indexOf(waiter);
          if (at !== -1) this.waiters.splice(at, 1);
          reject(new Error(`timed out waiting for ${what}`));
        }, timeoutMs),
      };
      this.waiters.push(waiter);
    });
  }

  send(stanza) {
    this.transport.send(stanza);
  }

  /** A fresh stanza id. */
  id(prefix = 'b') {
    return `${prefix}${(nextId++).toString(36)}`;
  }

  /** Sends an IQ and waits for its result; throws on an error reply. */
  async iq(type, to, payload, what = 'an IQ result') {
    const id = this.id('iq');
    const reply = this.waitFor((s) => localName(s) === 'iq' && attr(s, 'id') === id, what);
    this.send(`<iq${this.ns} type='${type}' id='${id}'${to ? ` to='${to}'` : ''}>${payload}</iq>`);
    const stanza = await reply;
    if (attr(stanza, 'type') !== 'result') throw new Error(`${what}: ${stanza.slice(0, 300)}`);
    return stanza;
  }

  /** Connects, authenticates anonymously and binds a resource. Resolves with the full JID. */
  async login() {
    const { domain } = this.options;
    const isFeatures = (s) => localName(s) === 'features';
    await this.transport.connect();
    let features = this.waitFor(isFeatures, 'stream features');
    this.transport.openStream(domain);
    let offered = await features;
    if (this.options.transport === 'tcp' && offered.includes(NS_TLS) && (this.options.starttls || /<required\s*\/>/.test(offered.slice(offered.indexOf(NS_TLS))))) {
      const proceed = this.waitFor((s) => localName(s) === 'proceed' || localName(s) === 'failure', 'STARTTLS proceed');
      this.send(`<starttls xmlns='${NS_TLS}'/>`);
      if (localName(await proceed) !== 'proceed') throw new Error('STARTTLS refused');
      await this.transport.startTls(domain);
      features = this.waitFor(isFeatures, 'stream features after STARTTLS');
      this.transport.openStream(domain);
      offered = await features;
    }
    if (!/<mechanism>\s*ANONYMOUS\s*<\/mechanism>/.test(offered)) {
      throw new Error(`ANONYMOUS not offered: ${offered.slice(0, 300)}`);
    }
    const outcome = this.waitFor((s) => localName(s) === 'success' || localName(s) === 'failure', 'SASL outcome');
    // '=' is RFC 6120's empty initial response.
    this.send(`<auth xmlns='${NS_SASL}' mechanism='ANONYMOUS'>=</auth>`);
    const result = await outcome;
    if (localName(result) !== 'success') throw new Error(`SASL failed: ${result.slice(0, 300)}`);
    features = this.waitFor(isFeatures, 'stream features after SASL');
    this.transport.openStream(domain);
    await features;
    const bound = await this.iq('set', null, `<bind xmlns='${NS_BIND}'/>`, 'bind result');
    this.jid = childText(bound, 'jid');
    if (!this.jid) throw new Error(`bind result without a JID: ${bound.slice(0, 300)}`);
    return this.jid;
  }

  /** Closes the stream and waits (bounded) for the server to close its side. */
  close(timeoutMs = 5000) {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.transport.destroy();
        resolve();
      }, timeoutMs);
      this.closeListeners.push(() => {
        clearTimeout(timer);
        this.transport.destroy();
        resolve();
      });
      this.transport.closeStream();
    });
  }

  destroy() {
    this.transport.destroy();
  }
}
