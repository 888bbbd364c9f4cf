import type { Element } from '../xml/element.js';
import type { Session } from '../core/session.js';
import type { Host } from '../core/host.js';
import { serviceKey } from '../core/services.js';

export type NonzaHandler = (session: Session, element: Element) => void;

/**
 * Stream-level features that modules add (stream management, client state indication):
 * an element advertised after authentication, and the namespace of nonzas they handle.
 */
export class StreamExtensions {
  private readonly advertised: ((host: Host) => Element | null)[] = [];
  private readonly nonzas = new Map<string, NonzaHandler>();

  /** The feature may depend on the host the client signed in to, and may be absent (null). */
  advertise(feature: (host: Host) => Element | null): void {
    this.advertised.push(feature);
  }

  handleNonzas(xmlns: string, handler: NonzaHandler): void {
    if (this.nonzas.has(xmlns)) throw new Error(`two handlers for nonzas in ${xmlns}`);
    this.nonzas.set(xmlns, handler);
  }

  features(host: Host): Element[] {
    return this.advertised.map((make) => make(host)).filter((feature): feature is Element => feature !== null);
  }

  nonzaHandler(xmlns: string): NonzaHandler | undefined {
    return this.nonzas.get(xmlns);
  }
}

/** Where a module adds a stream feature or nonza handler (csi, roster versioning), once per server. */
export const STREAM_EXTENSIONS = serviceKey<StreamExtensions>('stream extensions');
